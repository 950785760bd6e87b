// Close spellings for an unknown word: a bounded Levenshtein search over the vocabulary (case folded),
// so "Did you mean ...?" costs one pass with early exits instead of a full distance matrix per word.

/** Levenshtein distance between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`. */
export function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a === b) return 0;
  const n = b.length;
  let previous = new Int32Array(n + 1);
  let current = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const substitution = previous[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const deletion = previous[j]! + 1;
      const insertion = current[j - 1]! + 1;
      const d =
        substitution < deletion
          ? substitution < insertion
            ? substitution
            : insertion
          : deletion < insertion
            ? deletion
            : insertion;
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    const swap = previous;
    previous = current;
    current = swap;
  }
  return previous[n]!;
}

export interface SuggestOptions {
  /** At most this many suggestions (default 5). */
  max?: number;
  /** Largest edit distance accepted (default: 1 for words up to 4 letters, else 2). */
  maxDistance?: number;
  /** Only the first `searchLimit` words of the vocabulary are searched (default 200,000). */
  searchLimit?: number;
}

/**
 * Vocabulary words within a small edit distance of `word`, compared case-insensitively, closest first
 * and, at equal distance, most frequent (lowest index) first.
 */
export function suggestSpellings(
  word: string,
  vocabulary: readonly string[],
  options: SuggestOptions = {},
): string[] {
  const max = options.max ?? 5;
  const target = word.toLowerCase();
  const limit = options.maxDistance ?? (target.length <= 4 ? 1 : 2);
  const searchLimit = Math.min(vocabulary.length, options.searchLimit ?? 200_000);
  const found: { word: string; distance: number; index: number }[] = [];
  for (let i = 0; i < searchLimit; i++) {
    const candidate = vocabulary[i]!;
    if (candidate === word) continue;
    if (Math.abs(candidate.length - target.length) > limit) continue;
    const distance = boundedEditDistance(target, candidate.toLowerCase(), limit);
    if (distance <= limit) found.push({ word: candidate, distance, index: i });
  }
  found.sort((a, b) => a.distance - b.distance || a.index - b.index);
  return found.slice(0, max).map((entry) => entry.word);
}
