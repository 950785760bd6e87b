// LM data: the vocabulary (<unk>, <eos>, PTB-style line ends), id streams, and the truncated-BPTT
// batching layout checked against a hand-made example.
import { describe, expect, it } from 'vitest';
import {
  batchify,
  buildLmVocabulary,
  createLmTokenizer,
  EOS,
  encodeLines,
  encodeTokens,
  getWindow,
  UNK,
  windowCount,
} from '../../src/seq/index.js';

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

describe('LM vocabulary and encoding', () => {
  const text = 'the cat sat\nthe dog\n\nthe cat\n';
  const tokenize = createLmTokenizer({ level: 'word', prep: 'none' });

  it('puts <unk> and <eos> first, counts one <eos> per non-empty line, then words by count', async () => {
    const vocab = await buildLmVocabulary(linesOf(text), tokenize);
    expect(vocab.words).toEqual([UNK, EOS, 'the', 'cat', 'sat', 'dog']);
    expect(vocab.count(vocab.id(EOS))).toBe(3);
    expect(vocab.count(vocab.id('the'))).toBe(3);
  });

  it('maxSize and minCount cut the vocabulary; cut words become <unk>', async () => {
    const vocab = await buildLmVocabulary(linesOf(text), tokenize, { maxSize: 4 });
    expect(vocab.words).toEqual([UNK, EOS, 'the', 'cat']);
    const encoded = await encodeLines(linesOf(text), tokenize, vocab);
    // the cat sat <eos> the dog <eos> the cat <eos>
    expect(Array.from(encoded.ids)).toEqual([2, 3, 0, 1, 2, 0, 1, 2, 3, 1]);
    expect(encoded.unknownTokens).toBe(2);
    expect(encoded.lines).toBe(3);
    const byCount = await buildLmVocabulary(linesOf(text), tokenize, { minCount: 2 });
    expect(byCount.words).toEqual([UNK, EOS, 'the', 'cat']);
  });

  it('maxTokens stops the stream', async () => {
    const vocab = await buildLmVocabulary(linesOf(text), tokenize);
    const encoded = await encodeLines(linesOf(text), tokenize, vocab, { maxTokens: 5 });
    expect(encoded.ids.length).toBe(5);
  });

  it('an empty text is a clear error', async () => {
    await expect(buildLmVocabulary(linesOf('\n  \n'), tokenize)).rejects.toThrow(/has no tokens/);
  });

  it('encodeTokens reports unknown words', async () => {
    const vocab = await buildLmVocabulary(linesOf(text), tokenize);
    const { ids, unknown } = encodeTokens(['the', 'zebra'], vocab);
    expect(Array.from(ids)).toEqual([vocab.id('the'), vocab.id(UNK)]);
    expect(unknown).toEqual(['zebra']);
  });

  it('character level: graphemes, spaces as one token, <eos> per line', async () => {
    const chars = createLmTokenizer({ level: 'char' });
    expect(chars('ab  c')).toEqual(['a', 'b', ' ', 'c']);
    const vocab = await buildLmVocabulary(linesOf('abca\nb'), chars);
    expect(vocab.words).toEqual([UNK, EOS, 'a', 'b', 'c']);
  });
});

describe('PTB batching', () => {
  // ids 0..12 (13 ids), batch 3 → streams of 4: [0 1 2 3] [4 5 6 7] [8 9 10 11], 12 dropped.
  const ids = Int32Array.from({ length: 13 }, (_, i) => i);
  const data = batchify(ids, 3);

  it('cuts the stream into consecutive rows and drops the tail', () => {
    expect(data.length).toBe(4);
    expect(Array.from(data.streams)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('windows are batch-major with targets shifted by one, the last one shorter', () => {
    expect(windowCount(data, 2)).toBe(1); // 3 positions per stream predict a next id
    expect(windowCount(data, 2, true)).toBe(2);
    const first = getWindow(data, 0, 2);
    expect(first.steps).toBe(2);
    expect(Array.from(first.inputs)).toEqual([0, 1, 4, 5, 8, 9]);
    expect(Array.from(first.targets)).toEqual([1, 2, 5, 6, 9, 10]);
    const second = getWindow(data, 1, 2);
    expect(second.steps).toBe(1);
    expect(Array.from(second.inputs)).toEqual([2, 6, 10]);
    expect(Array.from(second.targets)).toEqual([3, 7, 11]);
  });

  it('too little text for the batch is a clear error', () => {
    expect(() => batchify(Int32Array.of(1, 2, 3), 2)).toThrow(/too few/);
  });
});
