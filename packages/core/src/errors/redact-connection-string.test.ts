import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError, SchemaNotMigratedError } from "./database-errors.ts";
import {
  connectionSecrets,
  redactConnectionString,
  redactSecrets,
  scrubError,
} from "./redact-connection-string.ts";

describe("redactConnectionString: every form a PostgreSQL target is written in", () => {
  it.each([
    ["postgres://app:hunter2@db:5432/orders", "postgres://app:***@db:5432/orders"],
    ["postgresql://app:hunter2@db/orders?sslmode=require", "postgresql://app:***@db/orders?sslmode=require"],
    ["postgres://:hunter2@db/orders", "postgres://:***@db/orders"],
    ["postgres://app@db/orders", "postgres://app@db/orders"],
    ["postgres://u:p@ss@host:5432/db", "postgres://u:***@host:5432/db"],
    ["postgres://u:pa/ss#x?y@host/db", "postgres://u:***@host/db"],
    ["postgres://u:two words@host/db failed", "postgres://u:***@host/db failed"],
    ["postgres://app: a://aa@db:5432/orders", "postgres://app:***@db:5432/orders"],
    // An open authority followed by an @ on the line is masked generously: over-redacts, never leaks.
    ["postgres://host:5432 refused, see user@example.org", "postgres://host:***@example.org"],
    ["postgres://app@db/orders?password=hunter2", "postgres://app@db/orders?password=***"],
    ["at postgres://db/orders?password=hunter2: refused", "at postgres://db/orders?password=***: refused"],
    [
      "postgres://db/orders?sslmode=verify-full&sslpassword=keypass&password=hunter2&application_name=x",
      "postgres://db/orders?sslmode=verify-full&sslpassword=***&password=***&application_name=x",
    ],
    ["postgres://db/orders?sslkey=/etc/keys/client.key", "postgres://db/orders?sslkey=/etc/keys/client.key"],
    ["host=db port=5432 password=hunter2 dbname=orders", "host=db port=5432 password=*** dbname=orders"],
    ["host=db password = hunter2 dbname=orders", "host=db password = *** dbname=orders"],
    ["host=db password='two words' dbname=orders", "host=db password=*** dbname=orders"],
    [String.raw`host=db password='it\'s' dbname=orders`, "host=db password=*** dbname=orders"],
    ["host=db sslpassword=keypass user=app", "host=db sslpassword=*** user=app"],
    // A password that looks like a URL is still the password (found by the property below).
    ["host=db user=app password=a://aaaa dbname=orders", "host=db user=app password=*** dbname=orders"],
    ["host=db password='x://a b' dbname=orders", "host=db password=*** dbname=orders"],
    ["host=db user=app password=*a://aaaa dbname=orders", "host=db user=app password=*** dbname=orders"],
    ["host=db password='y x://a b' dbname=orders", "host=db password=*** dbname=orders"],
    ["PASSWORD=hunter2 host=db", "PASSWORD=*** host=db"],
    [`{"host":"db","password":"hunter2"}`, `{"host":"db","password":***}`],
    ["{ host: 'db', password: 'hunter2' }", "{ host: 'db', password: *** }"],
    [
      "cannot connect to postgres://app:hunter2@db/orders: timeout",
      "cannot connect to postgres://app:***@db/orders: timeout",
    ],
    ['password authentication failed for user "app"', 'password authentication failed for user "app"'],
    ["./.continuum/pgdata", "./.continuum/pgdata"],
  ])("%s", (input, expected) => {
    expect(redactConnectionString(input)).toBe(expected);
  });
});

// Passwords from the characters people put in them (and percent-encode, or not).
const password = fc
  .string({
    unit: fc.constantFrom(..."abcXYZ0189!#$%&()*+,-./:;<=>?@[]^_{|}~'\"\\ "),
    minLength: 4,
    maxLength: 24,
  })
  .filter((p) => p.trim().length >= 4);

/** Each form: the text, and every spelling of the password in it (raw, encoded, escaped). */
const forms: Record<string, (pw: string) => { text: string; spellings: string[] }> = {
  "URL userinfo (encoded)": (pw) => {
    const e = encodeURIComponent(pw);
    return { text: `postgres://app:${e}@db.internal:5432/orders`, spellings: [e] };
  },
  "URL userinfo (raw, spaces and all)": (pw) => {
    const r = pw.replace(/["<>`]/g, "x");
    return { text: `postgres://app:${r}@db:5432/orders`, spellings: [r] };
  },
  "?password= (encoded)": (pw) => {
    const e = encodeURIComponent(pw);
    return { text: `postgres://app@db/orders?password=${e}`, spellings: [e] };
  },
  "&sslpassword= (encoded)": (pw) => {
    const e = encodeURIComponent(pw);
    return { text: `postgres://app@db/orders?sslmode=require&sslpassword=${e}`, spellings: [e] };
  },
  "key=value quoted": (pw) => {
    const q = pw.replace(/['\\]/g, "\\$&");
    return { text: `host=db user=app password='${q}' dbname=orders`, spellings: [q] };
  },
  "key=value unquoted": (pw) => {
    const r = pw.replace(/[\s'"\\]/g, "x");
    return { text: `host=db user=app password=${r} dbname=orders`, spellings: [r] };
  },
};

describe("no password survives, whatever it contains (property)", () => {
  for (const [form, write] of Object.entries(forms)) {
    it(form, () => {
      fc.assert(
        fc.property(password, fc.constantFrom("", "error: ", "could not connect to "), (pw, prefix) => {
          const { text, spellings } = write(pw);
          const template = `${prefix}${write("").text} (after 3 attempts) ***`;
          // A password that is part of the surrounding text (e.g. "orde") cannot be told apart.
          fc.pre(spellings.every((spelling) => !template.includes(spelling)));
          const shown = redactConnectionString(`${prefix}${text} (after 3 attempts)`);
          for (const spelling of spellings) expect(shown).not.toContain(spelling);
          // The literal scrub with the connection's own secrets finds every spelling too.
          expect(redactSecrets(text, connectionSecrets(text, {}))).not.toContain(
            pw.length >= 4 ? spellings[0] : "\0",
          );
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("literal secrets and driver errors", () => {
  it("masks PGPASSWORD's value and the connection's own password wherever a message echoes it", () => {
    const secrets = connectionSecrets("postgres://app:s3cr%21t@db/orders", { PGPASSWORD: "from-the-env" });
    expect(secrets).toEqual(expect.arrayContaining(["s3cr%21t", "s3cr!t", "from-the-env"]));
    expect(redactSecrets('SASL: "s3cr!t" rejected; PGPASSWORD=from-the-env', secrets)).toBe(
      'SASL: "***" rejected; PGPASSWORD=***',
    );
    expect(connectionSecrets("host=db password='a b c d'", {})).toContain("a b c d");
    expect(connectionSecrets({ password: "objpassword" }, {})).toContain("objpassword");
    expect(connectionSecrets(undefined, { PGPASSWORD: "abc" })).toEqual([]); // too short to mask
  });

  it("scrubError rewrites message, stack, string fields, the cause chain and AggregateError members", () => {
    const inner = Object.assign(new TypeError("Invalid URL"), { input: "postgres://u:hunter2@h:x/db" });
    const outer = new AggregateError([new Error("connect to hunter2")], "failed: postgres://u:hunter2@h/db", {
      cause: inner,
    });
    scrubError(outer, ["hunter2"]);
    const seen = [outer.message, outer.stack, inner.input, inner.message, (outer.errors[0] as Error).message];
    expect(seen.join("\n")).not.toContain("hunter2");
  });

  it("the database errors redact whatever target and reason they are given, and their cause", () => {
    const previous = process.env.PGPASSWORD;
    process.env.PGPASSWORD = "env-secret-pw";
    try {
      const cause = new Error("no pg_hba.conf entry; password env-secret-pw; postgres://a:urlpw@h/db");
      const error = new DatabaseUnavailableError("host=h password=kvpw", "reason: password=kvpw2", cause);
      const text = [error.message, error.stack, JSON.stringify(error.data), cause.message].join("\n");
      for (const secret of ["kvpw", "kvpw2", "env-secret-pw", "urlpw"])
        expect(text).not.toMatch(new RegExp(`\\b${secret}\\b`));
      expect(new SchemaNotMigratedError("postgres://a:pw12@h/db", 0, 3).message).not.toContain("pw12");
    } finally {
      if (previous === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = previous;
    }
  });
});
