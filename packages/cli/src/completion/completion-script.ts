import type { Command } from "commander";

/** Shells `continuum completion` writes a script for. */
export const completionShells = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof completionShells)[number];

interface Node {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly string[];
  readonly children: readonly Node[];
}

function tree(command: Command): Node {
  return {
    name: command.name(),
    summary: command.summary() || command.description().split("\n")[0] || "",
    options: [...command.options.map((o) => o.long ?? o.short ?? ""), "--help"].filter(Boolean),
    children: command.commands.filter((c) => c.name() !== "help").map(tree),
  };
}

/**
 * The completion script for `shell`, generated from the commander tree itself, so every
 * command, subcommand and option the program has is completed and none goes stale. Commander
 * has no completion of its own; the maintained generators (omelette, tabtab) need a runtime
 * hook in the program and install into dotfiles, while a static script is what packagers and
 * `eval "$(continuum completion bash)"` want.
 */
export function completionScript(program: Command, shell: CompletionShell): string {
  const root = tree(program);
  switch (shell) {
    case "bash":
    case "zsh":
      return (shell === "zsh" ? "autoload -U +X bashcompinit && bashcompinit\n" : "") + bash(root);
    case "fish":
      return fish(root);
  }
}

function bash(root: Node): string {
  const cases: string[] = [];
  const visit = (node: Node, path: string[]) => {
    const words = [...node.children.map((c) => c.name), ...node.options];
    cases.push(`    "${path.join(" ")}") words="${words.join(" ")}" ;;`);
    for (const child of node.children) visit(child, [...path, child.name]);
  };
  visit(root, [root.name]);
  return `# continuum completion for bash (eval "$(continuum completion bash)")
_continuum_complete() {
  local cur path word i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path="continuum"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) continue ;; esac
    case "$(_continuum_words "$path $word")" in "") ;; *) path="$path $word" ;; esac
  done
  words="$(_continuum_words "$path")"
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
_continuum_words() {
  local words=""
  case "$1" in
${cases.join("\n")}
  esac
  printf '%s' "$words"
}
complete -F _continuum_complete continuum
`;
}

function fish(root: Node): string {
  const lines = [
    "# continuum completion for fish (continuum completion fish | source)",
    "complete -c continuum -f",
  ];
  const quote = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  for (const option of root.options)
    lines.push(`complete -c continuum -n __fish_use_subcommand -l ${option.replace(/^--?/, "")}`);
  for (const command of root.children) {
    lines.push(
      `complete -c continuum -n __fish_use_subcommand -a ${command.name} -d ${quote(command.summary)}`,
    );
    const inCommand = `__fish_seen_subcommand_from ${command.name}`;
    for (const option of command.options)
      lines.push(`complete -c continuum -n '${inCommand}' -l ${option.replace(/^--?/, "")}`);
    for (const sub of command.children) {
      lines.push(`complete -c continuum -n '${inCommand}' -a ${sub.name} -d ${quote(sub.summary)}`);
      for (const option of sub.options)
        lines.push(
          `complete -c continuum -n '${inCommand}; and __fish_seen_subcommand_from ${sub.name}' -l ${option.replace(/^--?/, "")}`,
        );
    }
  }
  return `${lines.join("\n")}\n`;
}
