import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTempProject,
  ensureTransformerBuilt,
  installCoreStub,
  type TempProject,
} from "./support/temp-project.ts";
import { TRANSFORMER_DIR, WORKSPACE_DIR } from "./support/test-program.ts";

const VITEST = path.join(WORKSPACE_DIR, "node_modules/vitest/vitest.mjs");

describe("a user's vitest run with the continuum() plugin", () => {
  let project: TempProject;
  beforeAll(() => {
    ensureTransformerBuilt();
    project = createTempProject("vitest");
    installCoreStub(project);
    project.write("package.json", JSON.stringify({ type: "module" }));
    project.write(
      "vitest.config.mjs",
      `import { continuum } from ${JSON.stringify(path.join(TRANSFORMER_DIR, "dist/vite/vite-plugin.js"))};\n` +
        `export default { plugins: [continuum()], test: { globals: true, include: ["test/**/*.test.ts"] } };\n`,
    );
    project.write(
      "src/acts.ts",
      'import { defineActivity } from "@continuum/core";\nexport const charge = defineActivity("charge", async (id: string) => id.length);\n',
    );
    project.write(
      "src/order.workflow.ts",
      'import { activity, sleep, workflow } from "@continuum/core";\nimport * as acts from "./acts.ts";\n\nexport const order = workflow("order", { version: 1 }, async (id: string) => {\n  await sleep(10);\n  return activity(acts.charge, id);\n});\n',
    );
    project.write(
      "test/order.test.ts",
      'import { calls } from "@continuum/core";\nimport { order } from "../src/order.workflow.ts";\n\n' +
        'test("the workflow under test is stamped", async () => {\n' +
        '  expect(order.stamp.cursors).toEqual(["sleep:#0", "activity:acts.charge#0"]);\n' +
        '  await order.run("o-1");\n' +
        '  expect(calls.map((c) => c.cursor)).toEqual(["sleep:#0", "activity:acts.charge#0"]);\n' +
        "});\n",
    );
  }, 120_000);
  afterAll(() => project?.remove());

  const vitest = () =>
    spawnSync(process.execPath, [VITEST, "run", "--root", project.dir, "--config", "vitest.config.mjs"], {
      cwd: project.dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", CI: "1" },
    });

  it("runs the test against the rewritten workflow", () => {
    const r = vitest();
    expect(`${r.stdout}${r.stderr}`).toMatch(/1 passed/);
    expect(r.status).toBe(0);
  }, 60_000);

  it("fails the test file that imports a bad workflow, naming file:line:col", () => {
    project.write(
      "src/order.workflow.ts",
      project.read("src/order.workflow.ts").replace("await sleep(10);", "await sleep(Math.random());"),
    );
    const r = vitest();
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(
      /order\.workflow\.ts:5:15 - error CTM1101: Math\.random\(\) differs on replay/,
    );
  }, 60_000);
});
