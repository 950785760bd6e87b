#!/usr/bin/env node
// Compiles the MorphoBr lexicon (../shared/data/lexicon/pt-morphobr: 114 MB of `form<TAB>lemma+class+
// features` lines, Apache-2.0) into src/text/data/pt-lexicon.txt.gz, the compact form verbo ships:
//   - every (form, lemma) pair becomes a transformation of the lemma's ending into the form's ending
//     after their common prefix ("cantar" → "cantávamos" = "ar" → "ávamos"), tagged with the class
//     (N, A, V, ADV) and, for verbs, the kind of form (i infinitive, g gerund, p participle, f finite):
//     "ar>ávamos:f";
//   - a lemma's set of transformations is its paradigm; lemmas sharing one are stored on one line, so the
//     file holds each paradigm once and each lemma once per paradigm (2.6 million verb forms are ~28,000
//     verbs on a few hundred paradigms);
//   - suffix rules for words outside the lexicon, learned from it: for each class and each word ending of
//     1 to 5 letters, the transformation most forms with that ending take, kept when it differs from the
//     rule of the shorter ending and at least 80% of at least 3 forms agree.
// Diminutive, augmentative and superlative entries (DIM, AUG, SUPER) are left out: UD lemmatizes
// "casinha" as "casinha", not "casa". Deterministic: sorted output, no timestamps.
//   node scripts/build-pt-lexicon.mjs [MORPHOBR_DIR]
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? join(root, '..', 'shared', 'data', 'lexicon', 'pt-morphobr');
const CLASSES = { nouns: 'N', adjectives: 'A', adverbs: 'ADV', verbs: 'V' };

function verbKind(features) {
  if (features[0] === 'INF') return 'i';
  if (features[0] === 'GRD') return 'g';
  if (features[0] === 'PTPST') return 'p';
  return 'f';
}

/** The transformation of `lemma` into `form` after their common prefix: "ls>fs". */
function transformation(lemma, form) {
  let prefix = 0;
  while (prefix < lemma.length && prefix < form.length && lemma[prefix] === form[prefix]) prefix++;
  return `${lemma.slice(prefix)}>${form.slice(prefix)}`;
}

// lemma + class → set of "transformation kind" strings; suffix statistics per class.
const paradigmsOf = new Map();
const suffixCounts = new Map();
let entries = 0;
for (const [file, cls] of Object.entries(CLASSES)) {
  const lines = createInterface({
    input: createReadStream(join(source, `${file}.dict.gz`)).pipe(createGunzip()),
  });
  for await (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const form = line.slice(0, tab).toLowerCase();
    const [lemmaRaw, , ...features] = line.slice(tab + 1).split('+');
    if (features.includes('DIM') || features.includes('AUG') || features.includes('SUPER')) continue;
    const lemma = lemmaRaw.toLowerCase();
    const kind = cls === 'V' ? verbKind(features) : '';
    const key = `${lemma}\t${cls}`;
    let set = paradigmsOf.get(key);
    if (set === undefined) paradigmsOf.set(key, (set = new Set()));
    const change = transformation(lemma, form);
    const item = kind === '' ? change : `${change}:${kind}`;
    if (set.has(item)) continue;
    set.add(item);
    entries++;
    // Suffix rules: the endings of the form that contain the transformation's form side.
    const formEnding = change.slice(change.indexOf('>') + 1);
    for (let n = Math.max(1, formEnding.length); n <= 5 && n <= form.length; n++) {
      const suffixKey = `${cls}\t${form.slice(-n)}`;
      let counts = suffixCounts.get(suffixKey);
      if (counts === undefined) suffixCounts.set(suffixKey, (counts = new Map()));
      counts.set(change, (counts.get(change) ?? 0) + 1);
    }
  }
  process.stderr.write(`${file}: ${paradigmsOf.size} lemma+class pairs so far, ${entries} entries\n`);
}

// Paradigms: sorted transformation lists, numbered in order of first sorted appearance.
const lemmasOfParadigm = new Map();
for (const [key, set] of paradigmsOf) {
  const [lemma, cls] = key.split('\t');
  const paradigm = `${cls}\t${[...set].sort().join(' ')}`;
  let lemmas = lemmasOfParadigm.get(paradigm);
  if (lemmas === undefined) lemmasOfParadigm.set(paradigm, (lemmas = []));
  lemmas.push(lemma);
}
const paradigms = [...lemmasOfParadigm.keys()].sort();

// Suffix rules, pruned against the rule of the one-letter-shorter ending.
const best = new Map();
for (const [key, counts] of suffixCounts) {
  let total = 0;
  let top = '';
  let topCount = 0;
  for (const [change, count] of [...counts].sort()) {
    total += count;
    if (count > topCount) [top, topCount] = [change, count];
  }
  if (topCount >= 3 && topCount / total >= 0.8) best.set(key, top);
}
const rules = [];
for (const key of [...best.keys()].sort()) {
  const [cls, ending] = key.split('\t');
  const shorter = ending.length > 1 ? best.get(`${cls}\t${ending.slice(1)}`) : undefined;
  if (shorter !== best.get(key)) rules.push(`s\t${cls}\t${ending}\t${best.get(key)}`);
}

const licence = readFileSync(join(source, 'LICENSE'), 'utf8');
const lines = [
  'verbo-pt-lexicon\t1',
  '# Compiled by scripts/build-pt-lexicon.mjs from MorphoBr (LFG-PTBR/MorphoBr, https://github.com/LFG-PTBR/MorphoBr),',
  '# Copyright the MorphoBr authors, licensed under the Apache License, Version 2.0',
  `# (${licence.includes('Apache License') ? 'its text is in the LICENSE file of MorphoBr' : 'see MorphoBr'};`,
  '# http://www.apache.org/licenses/LICENSE-2.0). Changed: forms reduced to paradigms of lemma endings,',
  '# diminutive/augmentative/superlative entries left out, suffix rules derived.',
];
paradigms.forEach((paradigm, id) => {
  lines.push(`p\t${id}\t${paradigm}`);
  lines.push(`l\t${id}\t${lemmasOfParadigm.get(paradigm).sort().join(' ')}`);
});
lines.push(...rules);
const out = join(root, 'src', 'text', 'data', 'pt-lexicon.txt.gz');
const bytes = gzipSync(`${lines.join('\n')}\n`, { level: 9 });
writeFileSync(out, bytes);
process.stderr.write(
  `wrote ${out}: ${paradigms.length} paradigms, ${paradigmsOf.size} lemmas, ${rules.length} suffix rules, ${bytes.length} bytes\n`,
);
