// @ts-check
import tseslint from "typescript-eslint";

/** Modules that workflow code and the replay engine must never reach: they would make replay impure. */
const impureModules = {
  patterns: [
    {
      group: ["node:*"],
      message: "workflow/ and replay/ must stay pure: no node built-ins (DESIGN.md, Layout).",
    },
    {
      group: ["pg", "pg/*", "kysely", "kysely/*", "@electric-sql/*"],
      message: "only src/journal/ talks to the database.",
    },
    {
      group: ["**/journal/sql/**", "**/journal/memory/**", "**/worker/**", "**/client/**", "**/cli/**"],
      message: "workflow/ and replay/ may depend only on model/, codec/, errors/ and each other.",
    },
  ],
  paths: [
    "fs",
    "path",
    "os",
    "crypto",
    "http",
    "https",
    "net",
    "child_process",
    "worker_threads",
    "events",
    "async_hooks",
    "timers",
  ].map((name) => ({
    name,
    message: "workflow/ and replay/ must stay pure: no node built-ins.",
  })),
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/.continuum/**",
      "transformer/test/fixtures/**",
      "transformer/test/corpus/**",
      "**/*.d.ts",
    ],
  },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommended],
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "separate-type-imports" }],
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "use an `as const` object or a union instead of enum." },
      ],
    },
  },
  {
    files: ["packages/core/src/workflow/**/*.ts", "packages/core/src/replay/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", impureModules] },
  },
  {
    // Only journal/ sees database rows and drivers.
    files: ["packages/core/src/**/*.ts"],
    ignores: [
      "packages/core/src/journal/**",
      "packages/core/src/workflow/**",
      "packages/core/src/replay/**",
      "**/*.test.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["pg", "kysely", "kysely/*", "@electric-sql/*"],
              message: "only src/journal/ may import database drivers.",
            },
          ],
        },
      ],
    },
  },
  {
    // The OpenTelemetry bridge sees core through its public entry only (DESIGN.md, Operations),
    // and depends on the OpenTelemetry API, never on an SDK (the app picks and configures that).
    files: ["packages/otel/src/**/*.ts"],
    ignores: ["**/*.test.ts", "**/test-support/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@continuum/core/*", "**/core/src/**"],
              message: "@continuum/otel uses @continuum/core's public entry point only.",
            },
            {
              group: ["@opentelemetry/*", "!@opentelemetry/api"],
              message: "@continuum/otel depends on @opentelemetry/api only; the SDK is the app's.",
            },
            { group: ["pg", "kysely", "kysely/*", "@electric-sql/*"], message: "the bridge writes no SQL." },
          ],
        },
      ],
    },
  },
  {
    // The Observer reads through core's public read model and client only (DESIGN.md, Operations):
    // no SQL, no journal internals, no database drivers.
    files: ["packages/observer/src/**/*.ts"],
    ignores: ["**/*.test.ts", "**/test-support/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@continuum/core/*", "**/core/src/**"],
              message: "@continuum/observer uses @continuum/core's public entry point only.",
            },
            {
              group: ["pg", "pg/*", "kysely", "kysely/*", "@electric-sql/*"],
              message: "the Observer writes no SQL: read through createInspector(journal).",
            },
          ],
        },
      ],
    },
  },
);
