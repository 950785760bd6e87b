// CoNLL-U, the file format of the Universal Dependencies treebanks: one sentence per block, `#` comment
// lines (`# text = ...` holds the raw sentence), then one row of 10 tab-separated columns per syntactic
// word (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC). A multiword token ("do" = de + o) is a range
// row ("4-5") before its words; empty nodes ("8.1") belong to enhanced graphs. Sentences keep every row
// and comment, so a file read and written back is unchanged except for the columns a caller fills.
import { FormatError } from '../util/errors.js';

export interface ConlluRow {
  /** "7", a range "4-5" or an empty node "8.1". */
  readonly id: string;
  /** The 10 columns, ID first. */
  readonly columns: string[];
}

export interface ConlluSentence {
  /** Comment lines, with their leading '#'. */
  readonly comments: string[];
  readonly rows: ConlluRow[];
}

/** A syntactic word of a sentence, with the index of the surface token it belongs to. */
export interface ConlluWord {
  readonly row: ConlluRow;
  readonly form: string;
  readonly lemma: string;
  readonly upos: string;
  /** Index into the sentence's surface tokens (a multiword token's words share one). */
  readonly token: number;
}

/** Parses CoNLL-U text; `source` names the file in errors. A row without 10 columns is a FormatError. */
export function parseConllu(text: string, source = 'CoNLL-U input'): ConlluSentence[] {
  const sentences: ConlluSentence[] = [];
  let comments: string[] = [];
  let rows: ConlluRow[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    if (line.trim() === '') {
      if (rows.length > 0 || comments.length > 0) sentences.push({ comments, rows });
      comments = [];
      rows = [];
    } else if (line.startsWith('#')) comments.push(line);
    else {
      const columns = line.split('\t');
      if (columns.length !== 10 || !/^\d+(?:-\d+|\.\d+)?$/.test(columns[0]!)) {
        throw new FormatError(
          `${source}, line ${n + 1}: not a CoNLL-U word row (expected 10 tab-separated columns starting with an ID such as 1, 4-5 or 8.1); got ${JSON.stringify(line.slice(0, 60))}`,
        );
      }
      rows.push({ id: columns[0]!, columns });
    }
  }
  if (rows.length > 0 || comments.length > 0) sentences.push({ comments, rows });
  return sentences;
}

/** CoNLL-U text for sentences: comments, rows, a blank line after each sentence. */
export function formatConllu(sentences: readonly ConlluSentence[]): string {
  let out = '';
  for (const sentence of sentences) {
    for (const comment of sentence.comments) out += `${comment}\n`;
    for (const row of sentence.rows) out += `${row.columns.join('\t')}\n`;
    out += '\n';
  }
  return out;
}

/** The sentence's `# text = ...` comment, or its surface tokens joined by spaces when it has none. */
export function sentenceText(sentence: ConlluSentence): string {
  for (const comment of sentence.comments) if (comment.startsWith('# text = ')) return comment.slice(9);
  return surfaceTokens(sentence).join(' ');
}

/** The syntactic words (integer IDs) of a sentence; multiword ranges and empty nodes left out. */
export function sentenceWords(sentence: ConlluSentence): ConlluWord[] {
  const words: ConlluWord[] = [];
  let token = -1;
  let rangeEnd = 0;
  for (const row of sentence.rows) {
    if (row.id.includes('.')) continue;
    if (row.id.includes('-')) {
      token++;
      rangeEnd = Number(row.id.slice(row.id.indexOf('-') + 1));
      continue;
    }
    if (Number(row.id) > rangeEnd) token++;
    const [, form, lemma, upos] = row.columns;
    words.push({ row, form: form!, lemma: lemma!, upos: upos!, token });
  }
  return words;
}

/** The surface tokens of a sentence: a multiword token's form once, then every other word's form. */
export function surfaceTokens(sentence: ConlluSentence): string[] {
  const tokens: string[] = [];
  let rangeEnd = 0;
  for (const row of sentence.rows) {
    if (row.id.includes('.')) continue;
    if (row.id.includes('-')) {
      tokens.push(row.columns[1]!);
      rangeEnd = Number(row.id.slice(row.id.indexOf('-') + 1));
    } else if (Number(row.id) > rangeEnd) tokens.push(row.columns[1]!);
  }
  return tokens;
}
