/**
 * Cursors of a page: `next` when older runs follow, `previous` when newer runs precede. For a
 * `before` request `more` says newer runs precede, and older ones always follow.
 */
export function pageCursors<T>(
  runs: T[],
  first: number | string | undefined,
  last: number | string | undefined,
  more: boolean,
  fromCursor: boolean,
  backward = false,
): { runs: T[]; next?: string; previous?: string } {
  if (runs.length === 0) return { runs };
  const hasOlder = backward ? true : more;
  const hasNewer = backward ? more : fromCursor;
  return {
    runs,
    ...(hasOlder && last !== undefined ? { next: String(last) } : {}),
    ...(hasNewer && first !== undefined ? { previous: String(first) } : {}),
  };
}
