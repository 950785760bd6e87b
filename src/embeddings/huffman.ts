// The Huffman tree of hierarchical softmax, built from word counts as in the C tool (CreateBinaryTree):
// frequent words get short codes. Word w's path is `codeLength[w]` inner nodes, from the root down:
// points[codeStart[w] + k] is the node (0 … vocab − 2, a row of the HS weight matrix) and
// codes[codeStart[w] + k] the branch taken (0 or 1); the model predicts P(branch 1 − code) = σ(v·u_node).
// Codes live in flat arrays (offsets per word) so the tree costs O(Σ code lengths), not vocab × 40.

export interface HuffmanTree {
  codeStart: Int32Array;
  codeLength: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
}

/** Builds the tree for `counts` (any order; ties broken by id). A vocabulary of one word gets empty codes. */
export function buildHuffmanTree(counts: ArrayLike<number>): HuffmanTree {
  const size = counts.length;
  // The C tool's linear-time merge needs the leaves sorted by decreasing count.
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const weight = new Float64Array(2 * size);
  for (let i = 0; i < size; i++) weight[i] = counts[order[i]!]!;
  for (let i = size; i < 2 * size; i++) weight[i] = Number.POSITIVE_INFINITY;
  const parent = new Int32Array(2 * size);
  const branch = new Uint8Array(2 * size);
  let leaf = size - 1; // next smallest leaf (walking down)
  let inner = size; // next smallest inner node (walking up)
  const takeSmallest = (): number => {
    if (leaf >= 0 && weight[leaf]! < weight[inner]!) return leaf--;
    return inner++;
  };
  for (let a = 0; a < size - 1; a++) {
    const first = takeSmallest();
    const second = takeSmallest();
    weight[size + a] = weight[first]! + weight[second]!;
    parent[first] = size + a;
    parent[second] = size + a;
    branch[second] = 1;
  }
  const root = 2 * size - 2;
  const codeLength = new Int32Array(size);
  const codeStart = new Int32Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    let depth = 0;
    for (let node = i; node !== root && size > 1; node = parent[node]!) depth++;
    codeLength[order[i]!] = depth;
  }
  for (let w = 0; w < size; w++) {
    codeStart[w] = total;
    total += codeLength[w]!;
  }
  const codes = new Uint8Array(total);
  const points = new Int32Array(total);
  for (let i = 0; i < size; i++) {
    const word = order[i]!;
    const length = codeLength[word]!;
    const start = codeStart[word]!;
    // Walk leaf → root, filling the path from its end; node k's parent is the inner node above it.
    let node = i;
    for (let k = length - 1; k >= 0; k--) {
      codes[start + k] = branch[node]!;
      node = parent[node]!;
      points[start + k] = node - size;
    }
  }
  return { codeStart, codeLength, codes, points };
}
