// The Portuguese lexicon: MorphoBr compiled by scripts/build-pt-lexicon.mjs into data/pt-lexicon.txt.gz
// (paradigms of lemma endings, lemmas per paradigm, suffix rules; 0.7 MB instead of 114 MB). A form is
// analysed by trying each split into stem + ending: an ending that some paradigm produces from a lemma
// ending gives a candidate lemma (stem + lemma ending), kept when that lemma is listed with that paradigm.
// So "cantávamos" → stem "cant" + "ávamos" ← "ar" → "cantar", a V lemma whose paradigm has ar>ávamos.
// Loaded once per process, on first use.
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../util/errors.js';
import { readTextData, textDataPath } from './data.js';

/** A lexicon class: N noun, A adjective, V verb, ADV adverb. */
export type LexiconPos = 'N' | 'A' | 'V' | 'ADV';

/** One reading of a form: its lemma, class and, for verbs, kind (i infinitive, g gerund, p participle, f finite). */
export interface Analysis {
  readonly lemma: string;
  readonly pos: LexiconPos;
  readonly kind: string;
}

interface Ending {
  readonly lemmaEnding: string;
  readonly pos: LexiconPos;
  readonly kind: string;
  /** Paradigms that turn lemmaEnding into this form ending. */
  readonly paradigms: ReadonlySet<number>;
}

export interface PortugueseLexicon {
  /** The readings of a lowercased form (empty when the lexicon does not know it). */
  analyze(form: string): readonly Analysis[];
  /** A lemma for an unknown lowercased form of class `pos`, from the suffix rules; undefined when none applies. */
  guess(form: string, pos: LexiconPos): string | undefined;
  /** Licence notice of the data. */
  readonly notices: readonly string[];
}

const FILE = 'pt-lexicon.txt.gz';
let cache: PortugueseLexicon | undefined;

export function loadPortugueseLexicon(): PortugueseLexicon {
  if (cache !== undefined) return cache;
  const source = textDataPath(FILE);
  let text: string;
  try {
    text = gunzipSync(readTextData(FILE)).toString('utf8');
  } catch (error) {
    throw new FormatError(
      `${source} is not a gzipped verbo lexicon (${(error as Error).message}); reinstall verbo`,
    );
  }
  const lines = text.split('\n');
  if (lines[0] !== 'verbo-pt-lexicon\t1') {
    throw new FormatError(`${source}: expected the header "verbo-pt-lexicon 1"; reinstall verbo`);
  }
  const notices: string[] = [];
  /** Form ending → the lemma endings that produce it, with their paradigms. */
  const endings = new Map<string, Ending[]>();
  /** Lemma → paradigm ids. */
  const lemmas = new Map<string, number[]>();
  const rules = new Map<string, string>();
  let longestEnding = 0;
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    if (line.startsWith('# ')) {
      notices.push(line.slice(2));
      continue;
    }
    const fields = line.split('\t');
    if (fields[0] === 'p' && fields.length === 4) {
      const id = Number(fields[1]);
      const pos = fields[2] as LexiconPos;
      for (const item of fields[3]!.split(' ')) {
        // "ar>ávamos:f": lemma ending > form ending, then the verb form's kind.
        const arrow = item.indexOf('>');
        const colon = item.indexOf(':', arrow);
        const lemmaEnding = item.slice(0, arrow);
        const formEnding = colon < 0 ? item.slice(arrow + 1) : item.slice(arrow + 1, colon);
        const kind = colon < 0 ? '' : item.slice(colon + 1);
        longestEnding = Math.max(longestEnding, formEnding.length);
        let list = endings.get(formEnding);
        if (list === undefined) endings.set(formEnding, (list = []));
        let ending = list.find((e) => e.lemmaEnding === lemmaEnding && e.pos === pos && e.kind === kind);
        if (ending === undefined) {
          ending = { lemmaEnding, pos, kind, paradigms: new Set() };
          list.push(ending);
        }
        (ending.paradigms as Set<number>).add(id);
      }
    } else if (fields[0] === 'l' && fields.length === 3) {
      const id = Number(fields[1]);
      for (const lemma of fields[2]!.split(' ')) {
        const list = lemmas.get(lemma);
        if (list === undefined) lemmas.set(lemma, [id]);
        else list.push(id);
      }
    } else if (fields[0] === 's' && fields.length === 4) rules.set(`${fields[1]}\t${fields[2]}`, fields[3]!);
    else throw new FormatError(`${source}, line ${n + 1}: not a lexicon line; reinstall verbo`);
  }
  cache = {
    notices,
    analyze(form) {
      const readings: Analysis[] = [];
      const start = Math.max(0, form.length - longestEnding);
      for (let cut = form.length; cut >= start; cut--) {
        const list = endings.get(form.slice(cut));
        if (list === undefined) continue;
        const stem = form.slice(0, cut);
        for (const ending of list) {
          const lemma = stem + ending.lemmaEnding;
          const ids = lemmas.get(lemma);
          if (ids === undefined || !ids.some((id) => ending.paradigms.has(id))) continue;
          if (!readings.some((r) => r.lemma === lemma && r.pos === ending.pos && r.kind === ending.kind))
            readings.push({ lemma, pos: ending.pos, kind: ending.kind });
        }
      }
      return readings;
    },
    guess(form, pos) {
      for (let n = Math.min(5, form.length); n >= 1; n--) {
        const rule = rules.get(`${pos}\t${form.slice(-n)}`);
        if (rule === undefined) continue;
        const arrow = rule.indexOf('>');
        const formEnding = rule.slice(arrow + 1);
        if (!form.endsWith(formEnding) || form.length - formEnding.length < 2) return undefined;
        return form.slice(0, form.length - formEnding.length) + rule.slice(0, arrow);
      }
      return undefined;
    },
  };
  return cache;
}
