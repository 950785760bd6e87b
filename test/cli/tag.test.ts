// `verbo tag` end to end: spawns the built CLI (dist/, rebuilt by test/global-setup.ts when src is newer).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConllu, sentenceWords } from '../../src/text/conllu.js';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input });
}

const CONLLU = [
  '# sent_id = 1',
  '# text = Não nos viu do carro.',
  '1\tNão\t_\t_\t_\t_\t3\tadvmod\t_\t_',
  '2\tnos\t_\t_\t_\t_\t3\tobj\t_\t_',
  '3\tviu\t_\t_\t_\t_\t0\troot\t_\t_',
  '4-5\tdo\t_\t_\t_\t_\t_\t_\t_\t_',
  '4\tde\t_\t_\t_\t_\t6\tcase\t_\t_',
  '5\to\t_\t_\t_\t_\t6\tdet\t_\t_',
  '6\tcarro\t_\t_\t_\t_\t3\tobl\t_\tSpaceAfter=No',
  '7\t.\t_\t_\t_\t_\t3\tpunct\t_\t_',
  '',
  '',
].join('\n');

let dir: string;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` before the CLI tests`);
  dir = mkdtempSync(join(tmpdir(), 'verbo-tag-cli-'));
  writeFileSync(join(dir, 'en.txt'), "She's gone. Me and them saw these dogs.\n");
  writeFileSync(join(dir, 'pt.conllu'), CONLLU);
});

describe('verbo tag', () => {
  it('prints word, UPOS and lemma per line, a blank line after each sentence', () => {
    const result = run(['tag', join(dir, 'en.txt')]);
    expect(result.status).toBe(0);
    const sentences = result.stdout.trimEnd().split('\n\n');
    expect(sentences).toHaveLength(2);
    const rows = sentences[1]!.split('\n').map((line) => line.split('\t'));
    expect(rows.map((row) => row[0])).toEqual(['Me', 'and', 'them', 'saw', 'these', 'dogs', '.']);
    expect(rows.map((row) => row[2])).toEqual(['I', 'and', 'they', 'see', 'this', 'dog', '.']);
    expect(rows.every((row) => row.length === 3 && /^[A-Z]+$/.test(row[1]!))).toBe(true);
  }, 60_000);

  it('writes CoNLL-U with contractions as multiword tokens', () => {
    const result = run(['tag', '-', '--lang', 'pt', '--format', 'conllu'], 'Ele saiu do alto.\n');
    expect(result.status).toBe(0);
    const [sentence] = parseConllu(result.stdout);
    expect(sentence!.comments).toContain('# text = Ele saiu do alto.');
    expect(sentence!.rows.map((row) => row.columns[1])).toEqual([
      'Ele',
      'saiu',
      'do',
      'de',
      'o',
      'alto',
      '.',
    ]);
    expect(sentence!.rows[2]!.id).toBe('3-4');
    expect(sentenceWords(sentence!).map((word) => word.lemma)).toEqual([
      'ele',
      'sair',
      'de',
      'o',
      'alto',
      '.',
    ]);
  }, 60_000);

  it('fills UPOS and LEMMA of a CoNLL-U file, keeping its words and other columns', () => {
    const out = join(dir, 'tagged.conllu');
    const result = run(['tag', join(dir, 'pt.conllu'), '--lang', 'pt', '--input', 'conllu', '--out', out]);
    expect(result.status).toBe(0);
    const tagged = readFileSync(out, 'utf8');
    const [sentence] = parseConllu(tagged);
    const words = sentenceWords(sentence!);
    expect(words.map((word) => word.form)).toEqual(['Não', 'nos', 'viu', 'de', 'o', 'carro', '.']);
    expect(words.map((word) => word.lemma)).toEqual(['não', 'nós', 'ver', 'de', 'o', 'carro', '.']);
    expect(words.map((word) => word.upos)).toEqual(['ADV', 'PRON', 'VERB', 'ADP', 'DET', 'NOUN', 'PUNCT']);
    expect(sentence!.rows[6]!.columns.slice(6)).toEqual(['3', 'obl', '_', 'SpaceAfter=No']);
    expect(tagged.split('\n').slice(0, 2)).toEqual(['# sent_id = 1', '# text = Não nos viu do carro.']);
  }, 60_000);

  it('rejects a malformed CoNLL-U file in one line', () => {
    writeFileSync(join(dir, 'bad.conllu'), '1\tonly\tthree\n');
    const result = run(['tag', join(dir, 'bad.conllu'), '--input', 'conllu']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/line 1: not a CoNLL-U word row/);
  });
});
