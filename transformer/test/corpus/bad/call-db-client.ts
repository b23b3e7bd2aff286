import { workflow } from "@continuum/core";
import { db } from "../support/db.ts";

export const lookup = workflow("lookup", { version: 1 }, async (id: string) => db.query("select * from users where id = $1", [id]));
