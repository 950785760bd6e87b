// The page of `verbo serve`: plain browser JavaScript, no build step, no external files. It calls the
// JSON API (/api/...) and draws the embedding map on a canvas (hover, wheel zoom, drag pan) and the
// loss curves as inline SVG.

const $ = (id) => document.getElementById(id);

async function api(path, options) {
  const response = await fetch(path, options);
  let body;
  try {
    body = await response.json();
  } catch {
    body = { error: `HTTP ${response.status}` };
  }
  if (!response.ok) {
    let message = body.error || `HTTP ${response.status}`;
    if (body.suggestions && body.suggestions.length > 0 && !message.includes('Did you mean')) {
      message += ` Did you mean: ${body.suggestions.join(', ')}?`;
    }
    throw new Error(message);
  }
  return body;
}

function showError(id, error) {
  const element = $(id);
  if (error) {
    element.textContent = error.message || String(error);
    element.hidden = false;
  } else {
    element.hidden = true;
  }
}

/** Shows the answer's warnings (e.g. "'King' is not in the vocabulary; using 'king'.") or hides the note. */
function showNote(id, warnings) {
  const element = $(id);
  element.textContent = (warnings || []).join(' ');
  element.hidden = element.textContent === '';
}

/** Fills an <ol> with rows of a word, a bar and a score. */
function fillResults(list, rows, scoreKey, scale) {
  list.replaceChildren();
  for (const row of rows) {
    const item = document.createElement('li');
    const word = document.createElement('span');
    word.className = 'word';
    word.textContent = row.word;
    const bar = document.createElement('span');
    bar.className = 'bar';
    const value = row[scoreKey];
    bar.style.setProperty('--w', `${Math.max(0, Math.min(1, scale(value))) * 100}%`);
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = value.toFixed(4);
    item.append(word, bar, score);
    list.append(item);
  }
}

function setupSimilar() {
  $('similar-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const word = $('similar-word').value.trim();
    const top = $('similar-top').value || '10';
    if (!word) return;
    try {
      const result = await api(
        `/api/similar?word=${encodeURIComponent(word)}&top=${encodeURIComponent(top)}`,
      );
      showError('similar-error', null);
      showNote('similar-note', result.warnings);
      fillResults($('similar-results'), result.neighbors, 'similarity', (x) => x);
      highlightOnMap([result.word, ...result.neighbors.map((n) => n.word)]);
    } catch (error) {
      $('similar-results').replaceChildren();
      showNote('similar-note', []);
      showError('similar-error', error);
    }
  });
}

function setupAnalogy() {
  $('analogy-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const [a, b, c] = ['analogy-a', 'analogy-b', 'analogy-c'].map((id) =>
      encodeURIComponent($(id).value.trim()),
    );
    try {
      const result = await api(`/api/analogy?a=${a}&b=${b}&c=${c}&top=5`);
      showError('analogy-error', null);
      showNote('analogy-note', result.warnings);
      fillResults($('analogy-results'), result.neighbors, 'similarity', (x) => x);
    } catch (error) {
      $('analogy-results').replaceChildren();
      showNote('analogy-note', []);
      showError('analogy-error', error);
    }
  });
}

function setupPredict(hasLm) {
  const input = $('predict-text');
  if (!hasLm) {
    input.disabled = true;
    $('predict-hint').textContent = 'No language model loaded: start verbo serve with --lm DIR.';
    return;
  }
  let timer;
  let sequence = 0;
  const ask = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value;
      const mine = ++sequence;
      if (!text.trim()) {
        $('predict-results').replaceChildren();
        showError('predict-error', null);
        return;
      }
      try {
        const result = await api('/api/predict', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text, top: 8, specials: $('predict-specials').checked }),
        });
        if (mine !== sequence) return;
        showError('predict-error', null);
        showNote('predict-note', result.warnings);
        const best = result.next.length > 0 ? result.next[0].probability : 1;
        fillResults($('predict-results'), result.next, 'probability', (p) => p / best);
      } catch (error) {
        if (mine !== sequence) return;
        $('predict-results').replaceChildren();
        showNote('predict-note', []);
        showError('predict-error', error);
      }
    }, 150);
  };
  input.addEventListener('input', ask);
  $('predict-specials').addEventListener('change', ask);
}

// ---- the embedding map: world coordinates (PCA) → screen by scale and offset ----
const map = { words: [], points: [], scale: 1, offsetX: 0, offsetY: 0, hover: -1, highlight: new Set() };

function fitMap() {
  const canvas = $('map');
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [x, y] of map.points) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const margin = 30;
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  map.scale = Math.min((canvas.width - 2 * margin) / spanX, (canvas.height - 2 * margin) / spanY);
  map.offsetX = canvas.width / 2 - ((minX + maxX) / 2) * map.scale;
  map.offsetY = canvas.height / 2 + ((minY + maxY) / 2) * map.scale;
}

function toScreen([x, y]) {
  return [x * map.scale + map.offsetX, -y * map.scale + map.offsetY];
}

function drawMap() {
  const canvas = $('map');
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.font = '11px system-ui, sans-serif';
  const labelEvery = map.points.length > 150 ? Math.ceil(map.points.length / 150) : 1;
  map.points.forEach((point, i) => {
    const [sx, sy] = toScreen(point);
    if (sx < -10 || sy < -10 || sx > canvas.width + 10 || sy > canvas.height + 10) return;
    const marked = map.highlight.has(map.words[i]);
    context.fillStyle = i === map.hover ? '#d92d20' : marked ? '#f79009' : 'rgba(47,111,222,0.75)';
    context.beginPath();
    context.arc(sx, sy, i === map.hover || marked ? 4.5 : 2.6, 0, 2 * Math.PI);
    context.fill();
    if (marked || i % labelEvery === 0 || map.scale > 400) {
      context.fillStyle = marked ? '#93370d' : '#475467';
      context.fillText(map.words[i], sx + 4, sy - 4);
    }
  });
}

function highlightOnMap(words) {
  map.highlight = new Set(words);
  if (map.points.length > 0) drawMap();
}

function canvasPoint(event) {
  const canvas = $('map');
  const rect = canvas.getBoundingClientRect();
  return [
    ((event.clientX - rect.left) * canvas.width) / rect.width,
    ((event.clientY - rect.top) * canvas.height) / rect.height,
  ];
}

function setupMapInteraction() {
  const canvas = $('map');
  const tip = $('map-tip');
  let drag;
  canvas.addEventListener('wheel', (event) => {
    event.preventDefault();
    const [cx, cy] = canvasPoint(event);
    const factor = Math.exp(-event.deltaY * 0.0015);
    // Zoom about the cursor: the world point under it stays put.
    map.offsetX = cx - (cx - map.offsetX) * factor;
    map.offsetY = cy - (cy - map.offsetY) * factor;
    map.scale *= factor;
    drawMap();
  });
  canvas.addEventListener('pointerdown', (event) => {
    drag = { point: canvasPoint(event), offsetX: map.offsetX, offsetY: map.offsetY };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener('pointerup', () => {
    drag = undefined;
  });
  canvas.addEventListener('pointermove', (event) => {
    const [cx, cy] = canvasPoint(event);
    if (drag) {
      map.offsetX = drag.offsetX + cx - drag.point[0];
      map.offsetY = drag.offsetY + cy - drag.point[1];
      drawMap();
      return;
    }
    let best = -1;
    let bestDistance = 64;
    map.points.forEach((point, i) => {
      const [sx, sy] = toScreen(point);
      const distance = (sx - cx) ** 2 + (sy - cy) ** 2;
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    if (best !== map.hover) {
      map.hover = best;
      drawMap();
    }
    if (best >= 0) {
      const rect = canvas.getBoundingClientRect();
      const [sx, sy] = toScreen(map.points[best]);
      tip.textContent = map.words[best];
      tip.style.left = `${(sx * rect.width) / canvas.width + 8}px`;
      tip.style.top = `${(sy * rect.height) / canvas.height - 28}px`;
      tip.hidden = false;
    } else {
      tip.hidden = true;
    }
  });
  canvas.addEventListener('dblclick', () => {
    fitMap();
    drawMap();
  });
}

async function loadMap() {
  const n = $('map-n').value || '300';
  const method = $('map-method') ? $('map-method').value : 'pca';
  const button = $('map-load');
  // UMAP takes seconds for a few hundred words: say so while the server works, and keep the button
  // from queueing more of the same.
  button.disabled = true;
  $('map-section').setAttribute('aria-busy', 'true');
  $('map-info').textContent =
    method === 'umap'
      ? `computing the UMAP projection of ${n} words… (this can take a few seconds)`
      : `computing the PCA projection of ${n} words…`;
  try {
    const result = await api(`/api/map?n=${encodeURIComponent(n)}&method=${encodeURIComponent(method)}`);
    map.words = result.words;
    map.points = result.points;
    $('map-info').textContent =
      result.explainedRatio === null
        ? `${result.words.length} words · UMAP projection`
        : `${result.words.length} words · PC1 ${(result.explainedRatio[0] * 100).toFixed(1)}%, PC2 ${(result.explainedRatio[1] * 100).toFixed(1)}% of the variance`;
    fitMap();
    drawMap();
  } catch (error) {
    $('map-info').textContent = error.message;
  } finally {
    button.disabled = false;
    $('map-section').removeAttribute('aria-busy');
  }
}

// ---- loss curves as inline SVG ----
const SVG = 'http://www.w3.org/2000/svg';

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function lossChart(title, series, xLabel = 'epoch') {
  const width = 420;
  const height = 240;
  const left = 56;
  const bottom = 34;
  const svg = svgElement('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  svg.append(svgElement('text', { x: width / 2, y: 16, 'text-anchor': 'middle', 'font-size': 13 }, title));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.append(
      svgElement(
        'text',
        { x: width / 2, y: height / 2, 'text-anchor': 'middle', fill: '#667085' },
        'no history',
      ),
    );
    return svg;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  let minY = Math.min(...ys);
  let maxY = Math.max(...ys);
  if (minY === maxY) {
    minY -= 0.5;
    maxY += 0.5;
  }
  const sx = (x) => left + ((x - minX) / (maxX - minX || 1)) * (width - left - 16);
  const sy = (y) => 28 + (1 - (y - minY) / (maxY - minY)) * (height - bottom - 28);
  svg.append(
    svgElement('line', {
      x1: left,
      y1: height - bottom,
      x2: width - 16,
      y2: height - bottom,
      stroke: '#98a2b3',
    }),
  );
  svg.append(svgElement('line', { x1: left, y1: 28, x2: left, y2: height - bottom, stroke: '#98a2b3' }));
  for (const value of [minY, (minY + maxY) / 2, maxY]) {
    svg.append(
      svgElement(
        'text',
        { x: left - 6, y: sy(value) + 4, 'text-anchor': 'end', 'font-size': 10 },
        value.toPrecision(4),
      ),
    );
  }
  svg.append(
    svgElement(
      'text',
      { x: (left + width) / 2, y: height - 6, 'text-anchor': 'middle', 'font-size': 11 },
      xLabel,
    ),
  );
  const colors = ['#2f6fde', '#f79009', '#12b76a'];
  series.forEach((s, k) => {
    const color = colors[k % colors.length];
    const path = s.points
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
      .join(' ');
    svg.append(svgElement('path', { d: path, fill: 'none', stroke: color, 'stroke-width': 2 }));
    for (const p of s.points)
      svg.append(svgElement('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 3, fill: color }));
    if (s.points.length === 1) {
      // A lone point has no line to read it by: write its value beside it.
      const [x, y] = s.points[0];
      const end = sx(x) > (left + width) / 2;
      svg.append(
        svgElement(
          'text',
          {
            x: sx(x) + (end ? -8 : 8),
            y: sy(y) - 6,
            'text-anchor': end ? 'end' : 'start',
            'font-size': 11,
            fill: color,
            class: 'value',
          },
          `${s.name} ${Number(y.toPrecision(4))}`,
        ),
      );
    }
    svg.append(
      svgElement(
        'text',
        { x: width - 20, y: 34 + 14 * k, 'text-anchor': 'end', 'font-size': 11, fill: color },
        s.name,
      ),
    );
  });
  return svg;
}

function seriesOf(records, key) {
  return records
    .filter((r) => typeof r[key] === 'number' && Number.isFinite(r[key]))
    .map((r, i) => [typeof r.epoch === 'number' ? r.epoch : i + 1, r[key]]);
}

async function loadHistory() {
  const box = $('history-charts');
  try {
    const history = await api('/api/history');
    const progress = history.progress || { word2vec: [], lm: [] };
    box.replaceChildren();
    if (progress.word2vec.length > 1) {
      box.append(
        lossChart(
          'word2vec loss during training (mean so far in each epoch)',
          [{ name: 'loss', points: progress.word2vec }],
          'words trained',
        ),
      );
    } else if (history.word2vec.length > 0) {
      box.append(
        lossChart('word2vec loss per epoch', [{ name: 'loss', points: seriesOf(history.word2vec, 'loss') }]),
      );
    }
    if (progress.lm.length > 1) {
      // Validation perplexity at each epoch's end, placed at the tokens trained by then.
      let tokens = 0;
      const valid = [];
      for (const record of history.lm) {
        tokens += typeof record.tokens === 'number' ? record.tokens : 0;
        if (typeof record.validPerplexity === 'number') valid.push([tokens, record.validPerplexity]);
      }
      box.append(
        lossChart(
          'language model perplexity during training',
          [
            { name: 'train', points: progress.lm },
            { name: 'valid', points: valid },
          ],
          'tokens trained',
        ),
      );
    }
    if (history.lm.length > 1 || (history.lm.length > 0 && progress.lm.length <= 1)) {
      box.append(
        lossChart('language model perplexity per epoch', [
          { name: 'train', points: seriesOf(history.lm, 'trainPerplexity') },
          { name: 'valid', points: seriesOf(history.lm, 'validPerplexity') },
        ]),
      );
    }
    if (box.children.length === 0) box.textContent = 'No training history in the loaded models.';
  } catch (error) {
    box.textContent = error.message;
  }
}

async function start() {
  let health;
  try {
    health = await api('/api/health');
  } catch (error) {
    $('status').textContent = `server unreachable: ${error.message}`;
    return;
  }
  const parts = [];
  parts.push(
    health.model
      ? `${health.model.words.toLocaleString()} words × ${health.model.dim} dims`
      : 'no word vectors',
  );
  parts.push(
    health.lm
      ? `${health.lm.cell.toUpperCase()} language model (${health.lm.vocabulary.toLocaleString()} tokens)`
      : 'no language model',
  );
  $('status').textContent = parts.join(' · ');
  setupSimilar();
  setupAnalogy();
  setupPredict(Boolean(health.lm));
  setupMapInteraction();
  $('map-load').addEventListener('click', loadMap);
  if (health.model) {
    loadMap();
  } else {
    for (const id of ['similar-section', 'analogy-section', 'map-section']) $(id).hidden = true;
  }
  loadHistory();
  document.body.dataset.ready = 'true';
}

start();
