// `verbo report`: one self-contained HTML evaluation report (inline CSS and SVG, no external files).
// collectReport measures — analogy accuracy per section, word-pair Spearman rho, out-of-vocabulary
// ratios, sample neighbours, the embedding map, and for a language model its perplexity and top-k
// next-word accuracy on a validation text — and renderReport turns those numbers into HTML, so the
// numbers can be tested apart from the markup.
import { existsSync } from 'node:fs';
import {
  type AnalogyEvaluation,
  evaluateAnalogiesFile,
  evaluateWordPairsFile,
  type KeyedVectors,
  type WordPairEvaluation,
} from '../embeddings/index.js';
import { encodeFiles, type LanguageModel, perplexityOfFiles } from '../seq/index.js';
import { noGrad } from '../tensor/index.js';
import { packagePath, sharedDataPath } from '../util/index.js';
import { embeddingMap, type MapResponse } from './api.js';
import { curvesSvg, escapeXml, historySeries, lmPerplexitySvg, mapSvg } from './svg.js';

export type ReportLanguage = 'en' | 'pt';

/**
 * The default evaluation files of a language. English: the Google analogies and WordSim-353 shipped in
 * the package (data/eval, with their licences). Portuguese: the LX analogy sets, which may not be
 * redistributed, from the shared data folder beside the repository when it is there (absent files are
 * skipped with a note).
 */
export function defaultEvalFiles(lang: ReportLanguage): { analogies: string[]; pairs: string[] } {
  if (lang === 'pt') {
    return {
      analogies: [
        sharedDataPath('eval', 'pt', 'LX-4WAnalogiesBr.txt'),
        sharedDataPath('eval', 'pt', 'LX-4WAnalogies_v2.txt'),
      ],
      pairs: [],
    };
  }
  return {
    analogies: [packagePath('data', 'eval', 'questions-words.txt')],
    pairs: [packagePath('data', 'eval', 'wordsim353.tsv')],
  };
}

export interface NextWordAccuracy {
  /** Tokens predicted. */
  tokens: number;
  /** k → fraction of tokens whose true next token is among the k most probable. */
  topK: Record<number, number>;
}

/**
 * Top-k next-token accuracy of `model` over `ids` (one stream, state carried across windows of `bptt`
 * steps, no dropout): the true next token counts as a hit at k when fewer than k tokens score higher.
 */
export function nextWordAccuracy(
  model: LanguageModel,
  ids: Int32Array,
  options: { ks?: number[]; bptt?: number; maxTokens?: number } = {},
): NextWordAccuracy {
  const ks = options.ks ?? [1, 5, 10];
  const bptt = options.bptt ?? 35;
  const limit = Math.min(ids.length - 1, options.maxTokens ?? 20_000);
  const hits = ks.map(() => 0);
  let tokens = 0;
  noGrad(() => {
    let state = model.initialState(1);
    for (let start = 0; start < limit; start += bptt) {
      const steps = Math.min(bptt, limit - start);
      const result = model.forward(ids.subarray(start, start + steps), steps, 1, state);
      state = result.state;
      const logits = model.logits(result.hidden).toFloat32Array(); // [steps, vocab]
      const vocab = logits.length / steps;
      for (let t = 0; t < steps; t++) {
        const target = ids[start + t + 1]!;
        const row = t * vocab;
        const targetScore = logits[row + target]!;
        let higher = 0;
        for (let v = 0; v < vocab; v++) if (logits[row + v]! > targetScore) higher++;
        ks.forEach((k, i) => {
          if (higher < k) hits[i]!++;
        });
        tokens++;
      }
    }
  });
  return { tokens, topK: Object.fromEntries(ks.map((k, i) => [k, tokens > 0 ? hits[i]! / tokens : 0])) };
}

export interface ReportData {
  title: string;
  lang: ReportLanguage;
  modelPath: string;
  generated: string;
  vocabulary: { words: number; dim: number };
  analogies: { file: string; result: AnalogyEvaluation }[];
  pairs: { file: string; result: WordPairEvaluation }[];
  /** Files that were looked for and not found. */
  missing: string[];
  neighbors: { word: string; neighbors: { word: string; similarity: number }[] }[];
  map: MapResponse;
  history: object[];
  /** word2vec loss while training ([words, loss]), when recorded. */
  progress: [number, number][];
  lm?: {
    path: string;
    vocabulary: number;
    cell: string;
    history: object[];
    /** Training perplexity while training ([tokens, perplexity]), when recorded. */
    progress: [number, number][];
    validation?: {
      file: string;
      tokens: number;
      perplexity: number;
      unknownTokens: number;
      accuracy: NextWordAccuracy;
    };
  };
}

export interface CollectReportOptions {
  vectors: KeyedVectors;
  history: object[];
  /** word2vec loss while training ([words, loss]; progress.json), when recorded. */
  progress?: [number, number][];
  modelPath: string;
  lang?: ReportLanguage;
  /** Analogy / pair files; default: the evaluation sets of `lang` (defaultEvalFiles). */
  analogies?: string[];
  pairs?: string[];
  /** Words on the map (default 300). */
  mapWords?: number;
  /** Words whose neighbours are listed (default: a few common ones found in the vocabulary). */
  sampleWords?: string[];
  lm?: {
    model: LanguageModel;
    path: string;
    history: object[];
    progress?: [number, number][];
    validFile?: string;
    maxTokens?: number;
  };
  /** Analogies over the n most frequent words (default 30,000). */
  restrictVocab?: number;
}

const SAMPLE_WORDS: Record<ReportLanguage, string[]> = {
  en: ['king', 'love', 'good', 'man', 'night', 'blood', 'france', 'woman', 'day', 'father'],
  pt: ['rei', 'amor', 'bom', 'homem', 'noite', 'casa', 'mulher', 'dia', 'pai', 'olhos'],
};

export async function collectReport(options: CollectReportOptions): Promise<ReportData> {
  const lang = options.lang ?? 'en';
  const { vectors } = options;
  const defaults = defaultEvalFiles(lang);
  const missing: string[] = [];
  const present = (paths: string[]) =>
    paths.filter((path) => {
      if (existsSync(path)) return true;
      missing.push(path);
      return false;
    });
  const analogies: ReportData['analogies'] = [];
  for (const file of present(options.analogies ?? defaults.analogies)) {
    analogies.push({
      file,
      result: await evaluateAnalogiesFile(vectors, file, { restrictVocab: options.restrictVocab ?? 30_000 }),
    });
  }
  const pairs: ReportData['pairs'] = [];
  for (const file of present(options.pairs ?? defaults.pairs)) {
    pairs.push({ file, result: await evaluateWordPairsFile(vectors, file) });
  }
  let sample = (options.sampleWords ?? SAMPLE_WORDS[lang]).filter((word) => vectors.has(word)).slice(0, 6);
  if (sample.length < 3) {
    // Fall back to words spread over the frequency ranks.
    const ranks = [20, 50, 100, 200, 400, 800].filter((rank) => rank < vectors.size);
    sample = ranks.map((rank) => vectors.words[rank]!);
  }
  const neighbors = sample.map((word) => ({
    word,
    neighbors: vectors.mostSimilar({ positive: [word], topN: 8 }).map(({ word: w, similarity }) => ({
      word: w,
      similarity,
    })),
  }));
  const data: ReportData = {
    title: `verbo evaluation report: ${options.modelPath}`,
    lang,
    modelPath: options.modelPath,
    generated: new Date().toISOString(),
    vocabulary: { words: vectors.size, dim: vectors.dim },
    analogies,
    pairs,
    missing,
    neighbors,
    map: embeddingMap(vectors, Math.min(options.mapWords ?? 300, vectors.size)),
    history: options.history,
    progress: options.progress ?? [],
  };
  if (options.lm !== undefined) {
    const { model, path, history, validFile } = options.lm;
    data.lm = {
      path,
      vocabulary: model.vocab.size,
      cell: model.config.cell,
      history,
      progress: options.lm.progress ?? [],
    };
    if (validFile !== undefined) {
      const maxTokens = options.lm.maxTokens ?? 20_000;
      const perplexity = await perplexityOfFiles(model, [validFile], { maxTokens });
      const encoded = await encodeFiles([validFile], model.config, model.vocab, { maxTokens });
      data.lm.validation = {
        file: validFile,
        tokens: perplexity.tokens,
        perplexity: perplexity.perplexity,
        unknownTokens: perplexity.unknownTokens,
        accuracy: nextWordAccuracy(model, encoded.ids, { maxTokens }),
      };
    }
  }
  return data;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function analogyTable(file: string, result: AnalogyEvaluation): string {
  const rows = Object.entries(result.sections).map(([name, s]) => {
    const accuracy = s.total > 0 ? percent(s.correct / s.total) : '–';
    return `<tr><td>${escapeXml(name)}</td><td class="n">${s.correct}</td><td class="n">${s.total}</td><td class="n">${s.skipped}</td><td class="n">${accuracy}</td></tr>`;
  });
  const asked = result.total + result.skipped;
  return `<h3>${escapeXml(file)}</h3>
<table class="analogies"><thead><tr><th>section</th><th>correct</th><th>scored</th><th>skipped (OOV)</th><th>accuracy</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
<tfoot><tr><th>total</th><th class="n">${result.correct}</th><th class="n">${result.total}</th><th class="n">${result.skipped}</th><th class="n" data-metric="analogy-accuracy">${result.total > 0 ? percent(result.accuracy) : '–'}</th></tr></tfoot></table>
<p>Out-of-vocabulary ratio: <b data-metric="analogy-oov">${asked > 0 ? percent(result.skipped / asked) : '–'}</b> of ${asked} questions have a word outside the vocabulary.</p>`;
}

const STYLE = `body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f3f5f9}
header{background:#1d2330;color:#fff;padding:1rem 1.5rem}header h1{margin:0;font-size:1.3rem}header p{margin:.2rem 0 0;color:#c8d0e0}
main{padding:1rem 1.5rem;max-width:1100px}section{background:#fff;border-radius:8px;padding:.8rem 1.2rem 1rem;margin-bottom:1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:1.1rem;margin:.2rem 0 .6rem}h3{font-size:.95rem;margin:.8rem 0 .4rem;color:#475467;word-break:break-all}
table{border-collapse:collapse;margin:.3rem 0}th,td{padding:.2rem .7rem;border-bottom:1px solid #e4e8f0;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.neighbors{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:.8rem}.neighbors ol{margin:.2rem 0;padding-left:1.4rem}
.neighbors li span{color:#667085;float:right;font-variant-numeric:tabular-nums}.muted{color:#667085}svg{max-width:100%;height:auto}`;

/** The report as one HTML document. */
export function renderReport(data: ReportData): string {
  const sections: string[] = [];
  sections.push(`<section id="summary"><h2>Model</h2><table>
<tr><th>model</th><td>${escapeXml(data.modelPath)}</td></tr>
<tr><th>vocabulary</th><td data-metric="words">${data.vocabulary.words}</td></tr>
<tr><th>dimensions</th><td data-metric="dim">${data.vocabulary.dim}</td></tr>
<tr><th>language</th><td>${data.lang === 'pt' ? 'Portuguese' : 'English'}</td></tr>
<tr><th>epochs trained</th><td>${data.history.length}</td></tr></table></section>`);
  const analogyHtml =
    data.analogies.length > 0
      ? data.analogies.map(({ file, result }) => analogyTable(file, result)).join('\n')
      : '<p class="muted">No analogy file was available.</p>';
  sections.push(
    `<section id="analogies"><h2>Analogy accuracy (3CosAdd, per section)</h2>${analogyHtml}</section>`,
  );
  const pairHtml =
    data.pairs.length > 0
      ? data.pairs
          .map(({ file, result }) => {
            const total = result.pairs + result.oov;
            return `<h3>${escapeXml(file)}</h3><table><tr><th>Spearman rho</th><td class="n" data-metric="spearman">${Number.isFinite(result.spearman) ? result.spearman.toFixed(4) : 'n/a'}</td></tr>
<tr><th>Pearson r</th><td class="n">${Number.isFinite(result.pearson) ? result.pearson.toFixed(4) : 'n/a'}</td></tr>
<tr><th>pairs scored</th><td class="n">${result.pairs}</td></tr>
<tr><th>out-of-vocabulary ratio</th><td class="n" data-metric="pairs-oov">${total > 0 ? percent(result.oov / total) : '–'}</td></tr></table>`;
          })
          .join('\n')
      : `<p class="muted">No word-similarity file was available${data.lang === 'pt' ? ' for Portuguese' : ''}.</p>`;
  sections.push(`<section id="similarity"><h2>Word similarity</h2>${pairHtml}</section>`);
  if (data.missing.length > 0) {
    sections.push(
      `<section id="missing"><h2>Skipped</h2><p class="muted">These evaluation files were not found and were skipped:</p><ul>${data.missing.map((path) => `<li>${escapeXml(path)}</li>`).join('')}</ul></section>`,
    );
  }
  const neighborHtml = data.neighbors
    .map(
      ({ word, neighbors }) =>
        `<div><h3>${escapeXml(word)}</h3><ol>${neighbors.map((n) => `<li>${escapeXml(n.word)} <span>${n.similarity.toFixed(4)}</span></li>`).join('')}</ol></div>`,
    )
    .join('\n');
  sections.push(
    `<section id="neighbors"><h2>Sample neighbours</h2><div class="neighbors">${neighborHtml}</div></section>`,
  );
  sections.push(
    `<section id="map"><h2>Embedding map</h2>${mapSvg(data.map, { title: `PCA of the ${data.map.words.length} most frequent words` })}</section>`,
  );
  sections.push(
    `<section id="loss"><h2>Training loss</h2>${curvesSvg([{ name: 'loss', points: historySeries(data.history, 'loss') }], { title: 'word2vec loss per epoch', xLabel: 'epoch', yLabel: 'mean loss' })}${
      data.progress.length > 1
        ? curvesSvg([{ name: 'loss', points: data.progress }], {
            title: 'word2vec loss during training (mean so far in each epoch)',
            xLabel: 'words trained',
            yLabel: 'mean loss',
          })
        : ''
    }</section>`,
  );
  if (data.lm !== undefined) {
    const lm = data.lm;
    const v = lm.validation;
    const validation = v
      ? `<table><tr><th>validation text</th><td>${escapeXml(v.file)}</td></tr>
<tr><th>tokens</th><td class="n">${v.tokens}</td></tr>
<tr><th>perplexity</th><td class="n" data-metric="perplexity">${v.perplexity.toFixed(2)}</td></tr>
<tr><th>unknown tokens</th><td class="n">${v.unknownTokens}</td></tr>
${Object.entries(v.accuracy.topK)
  .map(
    ([k, value]) =>
      `<tr><th>top-${k} next-word accuracy</th><td class="n" data-metric="top${k}">${percent(value)}</td></tr>`,
  )
  .join('\n')}</table>`
      : '<p class="muted">No validation text given (use --valid FILE for perplexity and top-k accuracy).</p>';
    sections.push(`<section id="lm"><h2>Language model</h2><table>
<tr><th>model</th><td>${escapeXml(lm.path)}</td></tr><tr><th>cell</th><td>${escapeXml(lm.cell)}</td></tr>
<tr><th>vocabulary</th><td class="n">${lm.vocabulary}</td></tr></table>${validation}
${lmPerplexitySvg(lm.history, lm.progress, 'perplexity')}${
  // The finer curve was drawn: the per-epoch chart follows when there are several epochs.
  lm.history.length >= 2 && lm.progress.length > 1 ? lmPerplexitySvg(lm.history, [], 'perplexity') : ''
}</section>`);
  }
  return `<!doctype html>
<html lang="${data.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(data.title)}</title>
<style>${STYLE}</style></head>
<body><header><h1>${escapeXml(data.title)}</h1><p>generated ${escapeXml(data.generated)} by verbo</p></header>
<main>
${sections.join('\n')}
</main></body></html>
`;
}
