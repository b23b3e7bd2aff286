import { workflow } from "@continuum/core";

export const reflective = workflow("reflective", { version: 1 }, async () => (Reflect.get(Math, "random") as () => number)());
