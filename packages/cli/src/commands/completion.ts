import type { Command } from "commander";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { completionScript, completionShells, type CompletionShell } from "../completion/completion-script.ts";
import type { CommandResult } from "./command-support.ts";

/**
 * `continuum completion bash|zsh|fish`: prints a shell completion script for every command.
 *
 * @example
 * ```sh
 * eval "$(continuum completion bash)"              # ~/.bashrc
 * continuum completion fish > ~/.config/fish/completions/continuum.fish
 * ```
 */
export function completionCommand(program: Command, io: CliIo, result: CommandResult): void {
  program
    .command("completion")
    .summary("print a shell completion script (bash, zsh, fish)")
    .description(
      `print a shell completion script for every command and option

  bash: eval "$(continuum completion bash)"   (in ~/.bashrc)
  zsh:  eval "$(continuum completion zsh)"    (in ~/.zshrc)
  fish: continuum completion fish > ~/.config/fish/completions/continuum.fish`,
    )
    .argument("<shell>", completionShells.join(" | "))
    .action((shell: string) => {
      if (!(completionShells as readonly string[]).includes(shell)) {
        io.stderr(`error: unknown shell ${JSON.stringify(shell)}: expected ${completionShells.join(", ")}\n`);
        result.code = ExitCode.usage;
        return;
      }
      io.stdout(completionScript(program, shell as CompletionShell));
    });
}
