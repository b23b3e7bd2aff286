import { workflow } from "@continuum/core";
import { readFile } from "node:fs/promises";

export const loadTemplate = workflow("load-template", { version: 1 }, async (name: string) => readFile(`templates/${name}.html`, "utf8"));
