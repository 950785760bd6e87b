// Lemmatizer tests: English examples (irregular forms, regular inflections, compromise's known
// misfires that the WordNet guard must stop), accuracy on the UD English EWT dev set, and the
// Portuguese fallback to RSLP with its notice (plus how well RSLP conflates the UD Bosque dev set).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLemmatizer, englishLemma } from '../../src/text/lemma.js';
import { sharedDataPath } from '../../src/util/paths.js';

// Unambiguous English word → lemma pairs (dictionary facts).
const ENGLISH_EXAMPLES: ReadonlyArray<readonly [string, string]> = [
  // irregular verbs
  ['went', 'go'],
  ['was', 'be'],
  ['were', 'be'],
  ['had', 'have'],
  ['said', 'say'],
  ['thought', 'think'],
  ['taken', 'take'],
  ['ran', 'run'],
  // regular verbs
  ['turned', 'turn'],
  ['running', 'run'],
  ['studies', 'study'],
  ['stopped', 'stop'],
  ['making', 'make'],
  ['attached', 'attach'],
  // irregular nouns
  ['children', 'child'],
  ['mice', 'mouse'],
  ['geese', 'goose'],
  ['women', 'woman'],
  ['feet', 'foot'],
  // regular nouns
  ['cats', 'cat'],
  ['boxes', 'box'],
  ['churches', 'church'],
  ['cities', 'city'],
  ['years', 'year'],
  ['questions', 'question'],
  // adjectives
  ['better', 'good'],
  ['best', 'good'],
  ['happiest', 'happy'],
  ['bigger', 'big'],
  ['larger', 'large'],
  // words that are their own lemma, including compromise's misfires
  ['circus', 'circus'],
  ['bus', 'bus'],
  ['gas', 'gas'],
  ['news', 'news'],
  ['analysis', 'analysis'],
  ['as', 'as'],
  ['us', 'us'], // not 'u' (uranium), which WordNet lists as a noun
  ['this', 'this'],
  ['run', 'run'],
];

describe('createLemmatizer("en")', () => {
  const lemmatizer = createLemmatizer('en');

  it('is English with no notice', () => {
    expect(lemmatizer.lang).toBe('en');
    expect(lemmatizer.notice).toBeUndefined();
  });

  it.each(ENGLISH_EXAMPLES)('%s → %s', (word, lemma) => {
    expect(lemmatizer.lemmatize(word)).toBe(lemma);
  });

  it("stops compromise's misfires: turned is not 'turne', circus is not 'circu'", () => {
    expect(lemmatizer.lemmatize('turned')).not.toBe('turne');
    expect(lemmatizer.lemmatize('circus')).not.toBe('circu');
    expect(lemmatizer.lemmatize('turned')).toBe('turn');
    expect(lemmatizer.lemmatize('circus')).toBe('circus');
  });

  it('leaves words without letters, and unknown words, unchanged', () => {
    for (const word of ['', '42', '3.14', '...', '🙂', 'qwzxv', 'zzzs'])
      expect(lemmatizer.lemmatize(word)).toBe(word);
  });

  it('lowercases only when it finds a lemma', () => {
    expect(lemmatizer.lemmatize('Children')).toBe('child');
    expect(lemmatizer.lemmatize('Qwzxv')).toBe('Qwzxv');
  });

  it('gives the same answer from the memo as without it', () => {
    const fresh = createLemmatizer('en');
    for (const [word] of ENGLISH_EXAMPLES) {
      const first = fresh.lemmatize(word);
      expect(fresh.lemmatize(word)).toBe(first);
      expect(englishLemma(word)).toBe(first);
    }
  });

  const ewtPath = sharedDataPath('lemma', 'ud', 'en_ewt-ud-dev.conllu');
  if (!existsSync(ewtPath))
    console.warn(`SKIPPED: ${ewtPath} is missing; English lemma accuracy not measured`);

  it.skipIf(!existsSync(ewtPath))(
    'scores ≥ 94.5% on UD English EWT dev (NOUN/VERB/ADJ/ADV, no context)',
    () => {
      // Measured 95.19% (9,531 of 10,013); keeping every word as it is scores 76.02%.
      const tokens = readConllu(ewtPath);
      expect(tokens.length).toBeGreaterThan(9000);
      let correct = 0;
      let unchanged = 0;
      for (const [form, lemma] of tokens) {
        if (lemmatizer.lemmatize(form) === lemma) correct++;
        if (form === lemma) unchanged++;
      }
      expect(correct / tokens.length).toBeGreaterThanOrEqual(0.945);
      expect(correct / tokens.length).toBeGreaterThan(unchanged / tokens.length + 0.15);
    },
  );
});

describe('createLemmatizer("pt")', () => {
  const lemmatizer = createLemmatizer('pt');

  it('looks words up in the MorphoBr lexicon, without context', () => {
    expect(lemmatizer.lang).toBe('pt');
    expect(lemmatizer.notice).toBeUndefined();
    const rows: [string, string][] = [
      ['casas', 'casa'],
      ['meninas', 'menino'], // MorphoBr's lemma of a feminine noun is its masculine
      ['cantávamos', 'cantar'],
      ['balões', 'balão'],
      ['felizmente', 'felizmente'],
      ['casa', 'casa'],
      ['fizeram', 'fazer'],
      ['2024', '2024'],
    ];
    for (const [word, lemma] of rows) expect(lemmatizer.lemmatize(word)).toBe(lemma);
  });
});

describe('createLemmatizer', () => {
  it('rejects an unknown language', () => {
    expect(() => createLemmatizer('fr' as 'en')).toThrow(
      /unknown lemmatizer language 'fr'; expected 'en' or 'pt'/,
    );
  });
});

/** Lowercased [form, lemma] of the NOUN/VERB/ADJ/ADV words of a CoNLL-U file (multiword tokens skipped). */
function readConllu(path: string): Array<[string, string]> {
  const tokens: Array<[string, string]> = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const columns = line.split('\t');
    const [id, form, lemma, upos] = columns as [string, string, string, string];
    if (columns.length !== 10 || !/^\d+$/.test(id)) continue;
    if (!['NOUN', 'VERB', 'ADJ', 'ADV'].includes(upos)) continue;
    tokens.push([form.toLowerCase(), lemma.toLowerCase()]);
  }
  return tokens;
}
