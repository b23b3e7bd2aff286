import { workflow } from "@continuum/core";

export const poller = workflow("poller", { version: 1 }, async () => {
  let ticks = 0;
  await new Promise<void>((resolve) => {
    const id = setInterval(() => {
      ticks += 1;
      if (ticks > 3) {
        clearInterval(id);
        resolve();
      }
    }, 1000);
  });
  return ticks;
});
