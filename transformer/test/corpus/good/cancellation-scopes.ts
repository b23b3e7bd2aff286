import {
  activity,
  cancellable,
  complete,
  isCancellation,
  nonCancellable,
  seconds,
  sleep,
  workflow,
} from "@continuum/core";
import * as acts from "../support/activities.ts";

export const checkout = workflow("checkout-scopes", { version: 1 }, async (sku: string) => {
  try {
    const quote = cancellable(() => activity(acts.reserveStock, sku, 1), { timeout: seconds(30) });
    const first = await Promise.race([quote, sleep(seconds(5)).then(() => undefined)]);
    quote.cancel("too slow");
    return first === undefined ? "no quote" : "quoted";
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await nonCancellable(() => activity(acts.releaseStock, sku, 1));
    return complete("released");
  }
});
