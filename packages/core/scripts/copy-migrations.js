// Copies the numbered migrations from the repository's top-level migrations/ (the only place
// DDL is written) to dist/migrations, where the built migrator looks for them, so the package
// ships its schema. Part of `build`; the copy lives in dist/, which git ignores.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(packageDir, "../../migrations");
const to = join(packageDir, "dist/migrations");
const files = readdirSync(from).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file));
if (files.length === 0) throw new Error(`copy-migrations: no NNNN_name.sql files in ${from}`);
mkdirSync(to, { recursive: true });
for (const file of files) copyFileSync(join(from, file), join(to, file));
console.log(`copied ${files.length} migrations to dist/migrations`);
