// "Did you mean": the nearest known word to one typed: manifest keys, commands, and tool and prompt
// names at the gateway (where the word may come from a hostile client).

/** How many edits away a candidate may be and still be suggested. */
const MAX_EDITS = 2;

/**
 * The candidate within edit distance 2 of `word`, if any. The distance is computed only as far as
 * it matters (a band of the table around its diagonal): a megabyte-long word from a hostile client
 * (a tool name at the gateway) costs a few passes over it, not a table of its length squared.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_EDITS + 1;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Edit distance where swapping two neighbours counts as one edit ("lsit" is 1 from "list"), when
 * it is at most `limit`; otherwise any number above `limit`. Only cells with |i - j| <= limit can
 * hold such a distance, so only those are computed, three rows kept.
 */
export function editDistance(a: string, b: string, limit: number): number {
  const over = limit + 1;
  if (limit < 0 || Math.abs(a.length - b.length) > limit) return over;
  const width = b.length + 1;
  let before = new Int32Array(width).fill(over); // row i - 2
  let previous = new Int32Array(width).fill(over); // row i - 1
  let row = new Int32Array(width).fill(over);
  for (let j = 0; j <= Math.min(limit, b.length); j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    // Cells this row may read to its left keep values of an older row: reset them.
    row.fill(over, Math.max(0, i - limit - 1), Math.min(width, i + limit + 1));
    if (i <= limit) row[0] = i;
    let rowBest = i <= limit ? i : over;
    const last = Math.min(b.length, i + limit);
    for (let j = Math.max(1, i - limit); j <= last; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, before[j - 2]! + 1);
      }
      row[j] = Math.min(d, over);
      if (d < rowBest) rowBest = d;
    }
    if (rowBest > limit) return over;
    [before, previous, row] = [previous, row, before];
  }
  return previous[b.length]!;
}
