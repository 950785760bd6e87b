// lookupWord: the word as asked, else a case variant from the vocabulary (lower, Capitalised, UPPER),
// with a note saying which word is used; a word found in no case is returned as asked.
import { describe, expect, it } from 'vitest';
import { lookupWord } from '../../src/embeddings/index.js';

const vocabulary = { has: (word: string) => ['king', 'Paris', 'NATO', 'apple', 'Apple'].includes(word) };

describe('lookupWord', () => {
  it.each([
    ['king', 'king', undefined],
    ['King', 'king', "'King' is not in the vocabulary; using 'king'."],
    ['KING', 'king', "'KING' is not in the vocabulary; using 'king'."],
    ['paris', 'Paris', "'paris' is not in the vocabulary; using 'Paris'."],
    ['PARIS', 'Paris', "'PARIS' is not in the vocabulary; using 'Paris'."],
    ['nato', 'NATO', "'nato' is not in the vocabulary; using 'NATO'."],
    ['Apple', 'Apple', undefined],
    ['APPLE', 'apple', "'APPLE' is not in the vocabulary; using 'apple'."],
    ['queen', 'queen', undefined],
  ])('%s → %s', (asked, word, note) => {
    expect(lookupWord(vocabulary, asked)).toEqual({ word, asked, ...(note === undefined ? {} : { note }) });
  });
});
