#!/usr/bin/env node
// Tokenization F1 of verbo's `ud` convention against UD treebanks: each sentence's `# text` line is
// tokenized and compared, in order (longest common subsequence), with the gold syntactic words
// (contractions expanded: "do" → "de o", "don't" → "do n't") and with the gold surface tokens (a
// multiword token once; our tokens with contractions left whole). Run after `npm run build`:
//   node scripts/ud-score-tokenize.mjs --lang pt ../shared/data/lemma/ud/pt_bosque-ud-dev.conllu [--errors 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConllu, sentenceText, sentenceWords, surfaceTokens } from '../dist/text/conllu.js';
import { createWordTokenizer } from '../dist/text/tokenize.js';
import { f1Score, matchedInOrder } from '../dist/text/ud-eval.js';

const { values, positionals } = parseArgs({
  options: { lang: { type: 'string', default: 'en' }, errors: { type: 'string', default: '0' } },
  allowPositionals: true,
});
const words = createWordTokenizer({ lang: values.lang, convention: 'ud' });
const tokens = createWordTokenizer({
  lang: values.lang,
  convention: 'ud',
  expandContractions: false,
  splitContractions: false,
});
const result = {};
for (const path of positionals) {
  const counts = { words: [0, 0, 0], tokens: [0, 0, 0] };
  let shown = 0;
  for (const sentence of parseConllu(readFileSync(path, 'utf8'), path)) {
    const text = sentenceText(sentence);
    const gold = sentenceWords(sentence).map((word) => word.form);
    const predicted = words(text);
    const matched = matchedInOrder(predicted, gold);
    counts.words[0] += matched;
    counts.words[1] += predicted.length;
    counts.words[2] += gold.length;
    const goldTokens = surfaceTokens(sentence);
    const surface = tokens(text);
    counts.tokens[0] += matchedInOrder(surface, goldTokens);
    counts.tokens[1] += surface.length;
    counts.tokens[2] += goldTokens.length;
    if (matched < Math.max(predicted.length, gold.length) && shown < Number(values.errors)) {
      shown++;
      process.stderr.write(`gold: ${gold.join(' ')}\nours: ${predicted.join(' ')}\n\n`);
    }
  }
  result[path] = { words: f1Score(...counts.words), tokens: f1Score(...counts.tokens) };
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
