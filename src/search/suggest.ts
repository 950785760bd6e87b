// Close spellings for an unknown word: a bounded edit-distance (Levenshtein) search over the word list.
// Cost stays small on large vocabularies: words whose length differs by more than the distance bound
// are skipped without work, each comparison runs a banded dynamic programme that stops as soon as a
// whole row exceeds the bound, and the scan stops after `maxCandidates` words of plausible length.

export interface SuggestOptions {
  /** Largest edit distance suggested (default 2; 1 for words of 4 characters or fewer). */
  maxDistance?: number;
  /** How many suggestions at most (default 5). */
  limit?: number;
  /** How many words of plausible length are compared at most (default 200,000). */
  maxCandidates?: number;
}

/** Levenshtein distance between a and b if it is at most `bound`, else bound + 1. */
export function boundedEditDistance(a: string, b: string, bound: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > bound) return bound + 1;
  let previous = new Int32Array(m + 1);
  let current = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) previous[j] = j;
  for (let i = 1; i <= n; i++) {
    // only cells within `bound` of the diagonal can stay within the bound
    const from = Math.max(1, i - bound);
    const to = Math.min(m, i + bound);
    current[0] = i;
    if (from > 1) current[from - 1] = bound + 1;
    let rowMin = from === 1 ? i : bound + 1;
    const ca = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const substitution = previous[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const deletion = (j <= i - 1 + bound ? previous[j]! : bound + 1) + 1;
      const insertion = current[j - 1]! + 1;
      const best = Math.min(substitution, deletion, insertion);
      current[j] = best;
      if (best < rowMin) rowMin = best;
    }
    if (to < m) current[to + 1] = bound + 1;
    if (rowMin > bound) return bound + 1;
    const swap = previous;
    previous = current;
    current = swap;
  }
  return Math.min(previous[m]!, bound + 1);
}

/** Up to `limit` words of `vocabulary` closest to `word` by edit distance (ties keep vocabulary order). */
export function suggestSpellings(
  word: string,
  vocabulary: readonly string[],
  options: SuggestOptions = {},
): string[] {
  const bound = options.maxDistance ?? (word.length <= 4 ? 1 : 2);
  const limit = options.limit ?? 5;
  const maxCandidates = options.maxCandidates ?? 200_000;
  const lower = word.toLowerCase();
  const found: { word: string; distance: number; order: number }[] = [];
  let compared = 0;
  for (let i = 0; i < vocabulary.length && compared < maxCandidates; i++) {
    const candidate = vocabulary[i]!;
    if (Math.abs(candidate.length - word.length) > bound) continue;
    compared++;
    const distance = boundedEditDistance(lower, candidate.toLowerCase(), bound);
    if (distance <= bound && candidate !== word) found.push({ word: candidate, distance, order: i });
  }
  found.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return found.slice(0, limit).map((entry) => entry.word);
}
