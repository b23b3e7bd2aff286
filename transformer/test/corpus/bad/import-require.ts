import { workflow } from "@continuum/core";

export const legacyRequire = workflow("legacy-require", { version: 1 }, async () => {
  const pkg = require("../../package.json") as { version: string };
  return pkg.version;
});
