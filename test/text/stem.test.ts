import { describe, expect, it } from 'vitest';
import { createStemmer } from '../../src/text/stem.js';

describe('createStemmer', () => {
  it('stems with each stemmer', () => {
    expect(createStemmer('porter')('running')).toBe('run');
    expect(createStemmer('lancaster')('maximum')).toBe('maxim');
    expect(createStemmer('rslp')('meninas')).toBe('menin');
  });
});
