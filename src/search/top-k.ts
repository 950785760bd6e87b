// Bounded top-k selection for nearest-neighbour scans: a binary min-heap of the k best (score, index)
// pairs seen so far, so a scan over n rows costs O(n log k) and never sorts the whole score vector.
// Ties are broken toward the lower index (the more frequent word, as rows are sorted by frequency).

export interface ScoredIndex {
  index: number;
  score: number;
}

/** Keeps the `k` highest scores pushed into it. */
export class TopK {
  readonly k: number;
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  private length = 0;

  constructor(k: number) {
    this.k = Math.max(0, Math.floor(k));
    this.scores = new Float64Array(this.k);
    this.indices = new Int32Array(this.k);
  }

  /** The score a candidate must beat to enter (−Infinity until the heap is full). */
  get threshold(): number {
    return this.length < this.k ? -Infinity : this.scores[0]!;
  }

  get size(): number {
    return this.length;
  }

  /** `a` ranks below `b`: lower score, or equal score and higher index. */
  private worse(scoreA: number, indexA: number, scoreB: number, indexB: number): boolean {
    return scoreA < scoreB || (scoreA === scoreB && indexA > indexB);
  }

  push(index: number, score: number): void {
    if (this.k === 0 || Number.isNaN(score)) return;
    if (this.length < this.k) {
      // Sift up from the new leaf.
      let i = this.length++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, index, this.scores[parent]!, this.indices[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.indices[i] = this.indices[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (!this.worse(this.scores[0]!, this.indices[0]!, score, index)) return;
    // Replace the root (the worst kept) and sift down.
    let i = 0;
    const n = this.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (
        right < n &&
        this.worse(this.scores[right]!, this.indices[right]!, this.scores[left]!, this.indices[left]!)
      )
        child = right;
      if (!this.worse(this.scores[child]!, this.indices[child]!, score, index)) break;
      this.scores[i] = this.scores[child]!;
      this.indices[i] = this.indices[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.indices[i] = index;
  }

  /** The kept pairs, best first. */
  sorted(): ScoredIndex[] {
    const out: ScoredIndex[] = [];
    for (let i = 0; i < this.length; i++) out.push({ index: this.indices[i]!, score: this.scores[i]! });
    out.sort((a, b) => b.score - a.score || a.index - b.index);
    return out;
  }
}
