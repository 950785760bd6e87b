// Fingerprint of an index's contents (words and unit vectors, in order), stored beside a saved HNSW
// index so that loading it against vectors that changed since the build is detected.
import { createHash } from 'node:crypto';

/** sha256 over each word (UTF-8) followed by a newline, then the rows' float32 bytes. */
export function vectorsChecksum(words: readonly string[], rows: Float32Array, dim: number): string {
  const hash = createHash('sha256');
  hash.update(`${words.length} ${dim}\n`);
  for (const word of words) hash.update(`${word}\n`);
  hash.update(new Uint8Array(rows.buffer, rows.byteOffset, words.length * dim * 4));
  return hash.digest('hex');
}
