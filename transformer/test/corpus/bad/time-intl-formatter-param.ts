import { workflow } from "@continuum/core";

// only the type checker sees that `fmt` is a DateTimeFormat (tspc and the editor)
function label(fmt: Intl.DateTimeFormat, prefix: string): string {
  return `${prefix} ${fmt.format()}`;
}

export const greet = workflow("greet", { version: 1 }, async (locale: string) => {
  return label(new Intl.DateTimeFormat(locale), "today is");
});
