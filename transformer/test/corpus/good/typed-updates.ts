import { activity, defineActivity, defineQuery, defineSignal, defineUpdate, setHandler, signal, workflow } from "@continuum/core";

// An update handler is workflow code: it may call effects, which the transformer stamps.
const reserve = defineActivity("stock.reserve", async (sku: string, qty: number) => ({ sku, qty, ok: true }));
export const addLine = defineUpdate<{ sku: string; qty: number }, { lines: number }>("cart.add-line");
export const lineCount = defineQuery<number>("cart.line-count");
export const checkout = defineSignal("cart.checkout");

export const cartFlow = workflow("typed-cart", { version: 1 }, async (owner: string) => {
  const lines: { sku: string; qty: number }[] = [];
  setHandler(lineCount, () => lines.length);
  setHandler(addLine, async ({ sku, qty }) => {
    await activity(reserve, sku, qty);
    lines.push({ sku, qty });
    return { lines: lines.length };
  });
  await signal(checkout);
  return { owner, lines };
});
