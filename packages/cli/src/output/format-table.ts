import Table from "cli-table3";
import picocolors from "picocolors";
import type { CliIo } from "../cli-io.ts";

/** picocolors' formatters (its types module is not exported by name). */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** How a command's output looks: a table with colours on a terminal, tab-separated text elsewhere. */
export interface OutputStyle {
  readonly tty: boolean;
  readonly colors: Colors;
}

/** The style for `io`: colours only on a terminal and without NO_COLOR (https://no-color.org). */
export function outputStyle(io: CliIo): OutputStyle {
  const tty = io.isTTY === true;
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "";
  return { tty, colors: picocolors.createColors(tty && !noColor) };
}

/**
 * Rows as text: on a terminal a borderless cli-table3 table with a bold header (wide and
 * combining characters measured by cli-table3, so columns line up); elsewhere one line per
 * row, cells separated by tabs (tabs and newlines inside cells become spaces), for cut and awk.
 */
export function formatTable(
  style: OutputStyle,
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  if (!style.tty) {
    const clean = (cell: string) => cell.replace(/[\t\r\n]+/g, " ");
    return [head, ...rows].map((row) => row.map(clean).join("\t")).join("\n") + "\n";
  }
  const table = new Table({
    head: head.map((h) => style.colors.bold(h)),
    chars: {
      top: "",
      "top-mid": "",
      "top-left": "",
      "top-right": "",
      bottom: "",
      "bottom-mid": "",
      "bottom-left": "",
      "bottom-right": "",
      left: "",
      "left-mid": "",
      mid: "",
      "mid-mid": "",
      right: "",
      "right-mid": "",
      middle: "  ",
    },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
    wordWrap: false,
  });
  for (const row of rows) table.push([...row].map((cell) => cell.replace(/[\r\n]+/g, " ")));
  return `${table.toString()}\n`;
}

/** A run status, coloured the way operators read them. */
export function colourStatus(style: OutputStyle, status: string): string {
  const c = style.colors;
  switch (status) {
    case "running":
      return c.blue(status);
    case "completed":
      return c.green(status);
    case "failed":
    case "stuck_unknown_version":
      return c.red(status);
    case "cancelled":
      return c.yellow(status);
    default:
      return c.dim(status);
  }
}

/** Text cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
