// The tagger's model file: gzipped UTF-8 text, so a model can be read with zcat. Lines:
//   verbo-tagger <TAB> 1                   format and version
//   lang <TAB> en                          language
//   tags <TAB> ADJ ADP ...                 the tag set, space-separated
//   # ...                                  licence notices of the training data (kept with the model)
//   d <TAB> word <TAB> tag-index           the tag dictionary
//   l <TAB> UPOS form <TAB> lemma          lemmas learned from the treebank (where the rules differ)
//   a <TAB> word <TAB> tags                a word's ambiguity class ("NOUN/VERB")
//   f <TAB> feature <TAB> i:w,i:w,...      a feature's non-zero weights by tag index (left to right)
//   r <TAB> feature <TAB> i:w,i:w,...      the same for the right-to-left perceptron
// Version 2 added the "r" lines; version 1 files (left to right only) still load.
// A file is checked as it is read: a wrong header, an unknown tag index or a malformed line is a
// FormatError naming the file.
import { gunzipSync, gzipSync } from 'node:zlib';
import { FormatError } from '../util/errors.js';
import type { TaggerModelData, TaggerWeights } from './tagger.js';

export const TAGGER_FORMAT = 'verbo-tagger';
export const TAGGER_VERSION = 2;

/** The model as gzipped bytes (deterministic for a model: no timestamps). */
export function serializeTagger(model: TaggerModelData): Buffer {
  const lines = [
    `${TAGGER_FORMAT}\t${TAGGER_VERSION}`,
    `lang\t${model.lang}`,
    `tags\t${model.tags.join(' ')}`,
  ];
  for (const notice of model.notices) lines.push(`# ${notice}`);
  for (const [word, tag] of [...model.tagDictionary].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    lines.push(`d\t${word}\t${tag}`);
  for (const [word, tags] of [...model.ambiguity].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    lines.push(`a\t${word}\t${tags}`);
  for (const [key, lemma] of [...model.lemmas].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    lines.push(`l\t${key}\t${lemma}`);
  const tagCount = model.tags.length;
  const directions: [string, TaggerWeights | undefined][] = [
    ['f', model],
    ['r', model.backward],
  ];
  for (const [kind, direction] of directions) {
    if (direction === undefined) continue;
    for (const [feature, row] of direction.features) {
      const parts: string[] = [];
      for (let t = 0; t < tagCount; t++) {
        const weight = direction.weights[row * tagCount + t]!;
        if (weight !== 0) parts.push(`${t}:${Number(weight.toFixed(3))}`);
      }
      lines.push(`${kind}\t${feature}\t${parts.join(',')}`);
    }
  }
  return gzipSync(`${lines.join('\n')}\n`, { level: 9 });
}

/** Reads a model written by serializeTagger; `source` names it in errors. */
export function deserializeTagger(bytes: Buffer, source: string): TaggerModelData {
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw new FormatError(`${source} is not a gzipped verbo tagger model (${(error as Error).message})`);
  }
  const lines = text.split('\n');
  const bad = (n: number, what: string): FormatError =>
    new FormatError(
      `${source}, line ${n + 1}: ${what}; the model file is damaged, reinstall verbo or retrain it`,
    );
  if (lines[0] !== `${TAGGER_FORMAT}\t${TAGGER_VERSION}` && lines[0] !== `${TAGGER_FORMAT}\t1`)
    throw bad(0, `expected the header "${TAGGER_FORMAT} ${TAGGER_VERSION}"`);
  const lang = lines[1]?.startsWith('lang\t') ? lines[1].slice(5) : '';
  if (lang !== 'en' && lang !== 'pt') throw bad(1, 'expected "lang<TAB>en" or "lang<TAB>pt"');
  const tags = lines[2]?.startsWith('tags\t') ? lines[2].slice(5).split(' ') : [];
  if (tags.length < 2) throw bad(2, 'expected the tag set');
  const tagCount = tags.length;
  const notices: string[] = [];
  const tagDictionary = new Map<string, number>();
  const lemmas = new Map<string, string>();
  const ambiguity = new Map<string, string>();
  const read = { f: { features: new Map<string, number>(), rows: [] as Float32Array[] } } as Record<
    string,
    { features: Map<string, number>; rows: Float32Array[] }
  >;
  read.r = { features: new Map(), rows: [] };
  for (let n = 3; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    if (line.startsWith('# ')) {
      notices.push(line.slice(2));
      continue;
    }
    const [kind, key, value] = line.split('\t');
    if (kind === 'd' && key !== undefined && value !== undefined) {
      const tag = Number(value);
      if (!(tag >= 0 && tag < tagCount)) throw bad(n, `tag index ${value} outside 0..${tagCount - 1}`);
      tagDictionary.set(key, tag);
    } else if (kind === 'l' && key !== undefined && value !== undefined) lemmas.set(key, value);
    else if (kind === 'a' && key !== undefined && value !== undefined) ambiguity.set(key, value);
    else if ((kind === 'f' || kind === 'r') && key !== undefined && value !== undefined) {
      const { features, rows } = read[kind]!;
      const row = new Float32Array(tagCount);
      for (const pair of value.split(',')) {
        const colon = pair.indexOf(':');
        const tag = Number(pair.slice(0, colon));
        const weight = Number(pair.slice(colon + 1));
        if (!(tag >= 0 && tag < tagCount) || !Number.isFinite(weight)) throw bad(n, `bad weight "${pair}"`);
        row[tag] = weight;
      }
      features.set(key, rows.length);
      rows.push(row);
    } else throw bad(n, 'expected a "d", "a", "l", "f" or "r" line');
  }
  const direction = ({ features, rows }: { features: Map<string, number>; rows: Float32Array[] }) => {
    const weights = new Float32Array(rows.length * tagCount);
    for (let index = 0; index < rows.length; index++) weights.set(rows[index]!, index * tagCount);
    return { features, weights };
  };
  const forward = direction(read.f!);
  const backward = read.r!.rows.length > 0 ? direction(read.r!) : undefined;
  return {
    lang,
    tags,
    ...forward,
    ...(backward === undefined ? {} : { backward }),
    tagDictionary,
    ambiguity,
    lemmas,
    notices,
  };
}
