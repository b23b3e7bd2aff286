import { workflow } from "@continuum/core";
import "../support/setup.ts";

export const boot = workflow("boot", { version: 1 }, async () => "ok");
