import { createHash } from "node:crypto";

/** SPEC section 2: lowercase hex SHA-256 of the cursors joined by `\n`, first 16 characters. */
export function versionHash(cursors: readonly string[]): string {
  return createHash("sha256").update(cursors.join("\n")).digest("hex").slice(0, 16);
}
