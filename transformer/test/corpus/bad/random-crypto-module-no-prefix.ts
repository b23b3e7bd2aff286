import { workflow } from "@continuum/core";
import crypto from "crypto";

export const signed = workflow("signed", { version: 1 }, async (payload: string) => {
  return crypto.createHmac("sha256", "secret").update(payload).digest("hex");
});
