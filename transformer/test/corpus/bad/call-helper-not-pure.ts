import { workflow } from "@continuum/core";
import { slugify } from "../support/strings.ts";

export const publish = workflow("publish", { version: 1 }, async (title: string) => ({ slug: slugify(title) }));
