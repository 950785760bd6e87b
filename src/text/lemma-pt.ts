// Portuguese lemmas from a word and its UPOS tag (the tagger's), after the UD Portuguese conventions:
//   - closed classes (DET, PRON) from data/pt-lemmas.tsv (a, os → o; minha → meu; lhe, lo → ele);
//   - VERB and AUX: the infinitive, from the MorphoBr lexicon (lexicon-pt.ts): "era" AUX → ser, "casa"
//     VERB → casar, "dá" (of "dá-lo") → dar; NOUN, ADJ: the masculine singular of that class ("casa"
//     NOUN → casa, "garantidos" ADJ → garantido; a participle tagged ADJ stays a participle); ADV as is;
//     when a form has several lemmas in its class, the form itself if it is one, then a common verb
//     (data/pt-frequent-verbs.txt: "era" → ser, not erar), otherwise the first;
//   - a word the lexicon does not know gets the suffix rules learned from the lexicon for its class
//     ("googlaram" VERB → googlar, "blogueiros" NOUN → blogueiro), else its lowercased form;
//   - PROPN keeps its form; punctuation, symbols and numbers are their own lemma.
// Exceptions learned from a treebank (form + UPOS → lemma) come with the tagger model and are consulted
// first.
import { readDataRows, readLemmaTable } from './data.js';
import { type LexiconPos, loadPortugueseLexicon, type PortugueseLexicon } from './lexicon-pt.js';

let closedClass: Map<string, string> | undefined;
let frequentVerbs: Set<string> | undefined;

function closedClassLemmas(): Map<string, string> {
  closedClass ??= readLemmaTable('pt-lemmas.tsv');
  return closedClass;
}

const UPOS_TO_LEXICON: Readonly<Record<string, LexiconPos>> = {
  NOUN: 'N',
  ADJ: 'A',
  VERB: 'V',
  AUX: 'V',
  ADV: 'ADV',
};

/** The masculine singular of an adjective or participle form ("garantidas" → "garantido"). */
function masculineSingular(form: string): string {
  if (form.endsWith('as')) return `${form.slice(0, -2)}o`;
  if (form.endsWith('os')) return form.slice(0, -1);
  if (form.endsWith('a')) return `${form.slice(0, -1)}o`;
  return form;
}

/**
 * The Portuguese lemma of one word given its UPOS. `learned` maps "UPOS form" (lowercase form) to a lemma
 * learned from a treebank; it wins over the rules.
 */
export function portugueseLemma(
  form: string,
  upos: string,
  learned?: ReadonlyMap<string, string>,
  lexicon: PortugueseLexicon = loadPortugueseLexicon(),
): string {
  if (upos === 'PUNCT' || upos === 'SYM' || upos === 'NUM' || upos === 'PROPN' || upos === 'X') return form;
  const lower = form.toLowerCase();
  const key = `${upos} ${lower}`;
  const fromTreebank = learned?.get(key);
  if (fromTreebank !== undefined) return fromTreebank;
  const closed = closedClassLemmas().get(key);
  if (closed !== undefined) return closed;
  const pos = UPOS_TO_LEXICON[upos];
  if (pos === undefined || !/\p{L}/u.test(lower)) return lower;
  const readings = lexicon.analyze(lower);
  const same = readings.filter((reading) => reading.pos === pos);
  if (same.length > 0) {
    if (same.some((r) => r.lemma === lower)) return lower;
    frequentVerbs ??= new Set(readDataRows('pt-frequent-verbs.txt').map((row) => row[0]!));
    return (same.find((r) => frequentVerbs!.has(r.lemma)) ?? same[0]!).lemma;
  }
  if (pos === 'A' && readings.some((r) => r.pos === 'V' && r.kind === 'p')) return masculineSingular(lower);
  if (pos === 'N') {
    // A noun the lexicon lists as an adjective only ("os pobres" → pobre).
    const adjective = readings.find((r) => r.pos === 'A');
    if (adjective !== undefined) return adjective.lemma;
  }
  if (readings.length > 0 && pos !== 'V') return lower;
  return lexicon.guess(lower, pos) ?? lower;
}
