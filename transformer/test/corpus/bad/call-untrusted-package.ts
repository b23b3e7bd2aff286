import { workflow } from "@continuum/core";
import { nanoid } from "nanoid";

export const shortLink = workflow("short-link", { version: 1 }, async (url: string) => ({ url, id: nanoid(8) }));
