import { workflow } from "@continuum/core";

export const plugin = workflow("plugin", { version: 1 }, async (name: string) => {
  const mod = (await import(`../support/${name}.ts`)) as { run(): string };
  return mod.run();
});
