import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { buildProgram } from "../program.ts";
import { captured } from "../test-support/captured-io.ts";

const program = buildProgram(captured(), { code: 0 });
const commands = program.commands.filter((c) => c.name() !== "help");

describe("continuum completion", () => {
  for (const shell of ["bash", "zsh", "fish"] as const)
    it(`${shell}: lists every command, subcommand and option`, async () => {
      const io = captured();
      expect(await main(["completion", shell], io)).toBe(0);
      const script = io.out();
      expect(commands.length).toBeGreaterThan(8);
      for (const command of commands) {
        expect(script, command.name()).toContain(command.name());
        for (const sub of command.commands)
          expect(script, `${command.name()} ${sub.name()}`).toContain(sub.name());
        for (const option of command.options)
          expect(script, `${command.name()} ${option.long}`).toContain(option.long!.replace(/^--/, ""));
      }
      for (const name of ["cleanup", "replay", "completion", "older-than", "execute", "workflows"])
        expect(script).toContain(name);
    });

  it("bash: the script runs and completes a subcommand", async () => {
    const io = captured();
    await main(["completion", "bash"], io);
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(
      "bash",
      [
        "-c",
        `${io.out()}\nCOMP_WORDS=(continuum runs l); COMP_CWORD=2; _continuum_complete; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    );
    expect(out.trim()).toBe("list");
  });

  it("refuses an unknown shell", async () => {
    const io = captured();
    expect(await main(["completion", "tcsh"], io)).toBe(2);
    expect(io.err()).toContain("bash, zsh, fish");
  });
});

describe("continuum.config.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "ctm-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the data directory to commands that did not get one on the command line", async () => {
    writeFileSync(
      join(dir, "continuum.config.json"),
      JSON.stringify({ dataDir: "./journal-data", namespace: "shop" }),
    );
    const io = captured({}, dir);
    const code = await main(["cleanup", "--older-than", "1d", "--json"], io);
    expect(code, io.err()).toBe(0);
    expect(existsSync(join(dir, "journal-data"))).toBe(true);
    expect(JSON.parse(io.out())).toMatchObject({ dryRun: true, runs: 0 });
  }, 60_000);

  it("refuses unknown keys and a URL written in the file", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ databaseUrl: "postgres://u:secret@h/db" }));
    const io = captured({}, dir);
    expect(await main(["--config", bad, "health"], io)).toBe(2);
    expect(io.err()).toContain("unknown key");
    expect(io.err()).not.toContain("secret");
  });
});
