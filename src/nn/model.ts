// The functional Model (Keras `Model` / tfjs-layers `LayersModel`): a graph of layer nodes from
// input symbols to output symbols, run on Tensors, with compile / fit / evaluate / predict /
// summary and save/load. `sequential([...])` is sugar that builds the same graph from a list.
//
// Running: the nodes are ordered once (depth-first from the outputs back to the inputs); a run maps
// each symbol to its Tensor and calls each node's layer on its inputs' values. A shared layer has
// several nodes and one set of weights, so its gradients from every use add up.
//
// Training (fit): per batch, forward in training mode, the sum of the per-output losses, backward,
// one optimizer step over the trainable weights. A NaN or infinite loss (or gradient) stops fit with
// an error BEFORE the update, so the weights stay those of the last good step.
import { join } from 'node:path';
import { add, mul, noGrad, Tensor } from '../tensor/index.js';
import { ShapeError, VerboError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { Random } from '../util/random.js';
import type { Callback, History, Logs } from './callbacks.js';
import { InputLayer } from './layers/core.js';
import { type CallContext, deriveSeed, Layer, type LayerOptions } from './layers/layer.js';
import { getLoss, type LossFn, type LossName } from './losses.js';
import { getLogger, ProgbarLogger, resolveVerbose, type Verbose } from './logger.js';
import { getMetric, type MetricFn, type MetricName } from './metrics.js';
import { checkOptionNames } from './names.js';
import { getOptimizer, type Optimizer, type OptimizerName } from './optimizers.js';
import {
  formatSymbolicShape,
  type Node,
  type SymbolicShape,
  shapeMatches,
  type SymbolicTensor,
} from './symbolic.js';
import { runTraining } from './training.js';
import { assignWeights, readWeightFile, writeWeightFile } from './weights-file.js';

export type LossSpec = LossName | LossFn | ((yTrue: Tensor, yPred: Tensor) => Tensor);

export interface CompileOptions {
  optimizer: OptimizerName | Optimizer;
  /** One loss for every output, a list (one per output), or a map from output (layer) name to loss. */
  loss: LossSpec | LossSpec[] | Record<string, LossSpec>;
  /** Metric names or functions, for every output (a list) or per output name (a map). */
  metrics?: (MetricName | MetricFn)[] | Record<string, (MetricName | MetricFn)[]>;
  /** Weights of the per-output losses in the total (default 1 each). */
  lossWeights?: number[] | Record<string, number>;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Hold out the LAST fraction of the examples (before shuffling) for validation, as Keras does. */
  validationSplit?: number;
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]];
  /** Shuffle the training examples every epoch (default true). */
  shuffle?: boolean;
  callbacks?: Callback | Callback[];
  /** Seed for shuffling and dropout (default 0). */
  seed?: number;
  /** First epoch number (to resume). */
  initialEpoch?: number;
  /** Keras' progress output through the nn logger: 0 silent, 1 bar (default, 'auto'), 2 one line per epoch. */
  verbose?: Verbose;
}

export interface EvaluateOptions {
  batchSize?: number;
  /** 0 silent, 1 (default, 'auto') or 2: one Keras-style line with the results. */
  verbose?: Verbose;
  /** Return { loss, accuracy, … } instead of Keras' scalar / [loss, ...metrics]. */
  returnDict?: boolean;
}

export interface PredictOptions {
  batchSize?: number;
  /** 0 (default: predict stays quiet, unlike Keras), 1 or 2: a progress line. */
  verbose?: Verbose;
}

export interface SummaryOptions {
  /** Total width of the table (default 98). */
  lineLength?: number;
  /** Receives each line instead of the nn logger (Keras' print_fn). */
  printFn?: (line: string) => void;
  /** false: return the text instead of printing it. */
  print?: boolean;
}

const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'validationSplit',
  'validationData',
  'shuffle',
  'callbacks',
  'seed',
  'initialEpoch',
  'verbose',
];
const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics', 'lossWeights'];

export interface ModelOptions extends LayerOptions {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
}

/** The saved architecture's format tag and version. */
export const MODEL_FORMAT = 'verbo-model';
export const MODEL_FORMAT_VERSION = 1;

interface CompiledOutput {
  name: string;
  loss: LossFn;
  weight: number;
  metrics: MetricFn[];
}

/** Rows `indices` of a tensor along axis 0 (a plain copy, no gradient). */
export function takeRows(x: Tensor, indices: Int32Array | readonly number[]): Tensor {
  const rowSize = x.shape[0] === 0 ? 0 : x.size / x.shape[0]!;
  const source = x.isContiguous ? x.data : x.toFloat32Array();
  const base = x.isContiguous ? x.offset : 0;
  const out = new Float32Array(indices.length * rowSize);
  for (let i = 0; i < indices.length; i++) {
    const start = base + indices[i]! * rowSize;
    out.set(source.subarray(start, start + rowSize), i * rowSize);
  }
  return new Tensor(out, [indices.length, ...x.shape.slice(1)]);
}

function asList<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

export class Model extends Layer {
  readonly className: string = 'Model';
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** Every layer once, inputs first, in the order their first node runs. */
  layers: Layer[] = [];
  /** The nodes to run, in order (InputLayer nodes excluded). */
  protected nodes: Node[] = [];
  optimizer: Optimizer | null = null;
  protected compiled: CompiledOutput[] | null = null;
  protected compileConfig: Record<string, unknown> | null = null;
  /** Set by a callback (earlyStopping) to end fit after the current epoch. */
  stopTraining = false;

  constructor(options: ModelOptions | LayerOptions, prefix = 'model') {
    super(options, prefix);
    if ('inputs' in options && 'outputs' in options)
      this.setGraph(asList(options.inputs), asList(options.outputs));
  }

  /** Orders the nodes between inputs and outputs and collects layers and weights. */
  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    if (inputs.length === 0 || outputs.length === 0) {
      throw new VerboError(`model '${this.name}': give at least one input and one output symbol`);
    }
    for (const x of inputs) {
      if (!(x.sourceLayer instanceof InputLayer)) {
        throw new VerboError(
          `model '${this.name}': input '${x.name}' is not made by input(); pass the symbols that input({ shape }) returned`,
        );
      }
    }
    const inputSymbols = new Set(inputs);
    const order: Node[] = [];
    const visited = new Set<Node>();
    const visit = (symbol: SymbolicTensor, path: string[]): void => {
      const node = symbol.node;
      if (visited.has(node)) return;
      if (node.layer instanceof InputLayer) {
        if (!inputSymbols.has(symbol)) {
          throw new VerboError(
            `model '${this.name}': output depends on input '${symbol.name}' ${formatSymbolicShape(symbol.shape)}, which is not in inputs (via ${path.join(' ← ')}); add it to inputs`,
          );
        }
        visited.add(node);
        return;
      }
      for (const x of node.inputs) visit(x, [...path, node.layer.name]);
      visited.add(node);
      order.push(node);
    };
    for (const y of outputs) visit(y, [y.name]);
    this.inputs = inputs;
    this.outputs = outputs;
    this.nodes = order;
    const layers: Layer[] = inputs.map((x) => x.sourceLayer);
    for (const node of order) if (!layers.includes(node.layer)) layers.push(node.layer);
    // Layers without a name get one unique in this model, by position: dense, dense_1, dense_2, …
    const taken = new Set(layers.filter((l) => l.nameIsFinal).map((l) => l.name));
    for (const layer of layers) {
      if (layer.nameIsFinal) continue;
      let name = layer.prefix;
      for (let k = 1; taken.has(name); k++) name = `${layer.prefix}_${k}`;
      layer.setName(name);
      taken.add(name);
    }
    const seen = new Set<string>();
    for (const layer of layers) {
      if (seen.has(layer.name)) {
        throw new VerboError(
          `model '${this.name}': two different layers are named '${layer.name}'; give them distinct names (weights are saved and loaded by name)`,
        );
      }
      seen.add(layer.name);
    }
    this.layers = layers;
    this.weights.length = 0;
    for (const layer of layers) this.weights.push(...layer.weights);
    this.built = true;
    this.inputSpec = undefined;
    // Fresh layers draw their weights from the model's seed and their position (explicit seeds, given,
    // loaded or trained weights are kept).
    const seed = this.options.seed ?? 0;
    layers.forEach((layer, position) => {
      if (layer.drawnFromDefaultSeed) layer.reinitialize(deriveSeed(seed, position));
    });
  }

  /** Redraws every layer's weights from `seed` and the layer's position. */
  override reinitialize(seed: number): void {
    this.layers.forEach((layer, position) => {
      layer.reinitialize(deriveSeed(seed, position));
    });
  }

  /** Marks every layer's weights as owned (trained or loaded): no later model redraws them. */
  private keepWeights(): void {
    for (const layer of this.layers) layer.drawnFromDefaultSeed = false;
  }

  override get trainable(): boolean {
    return this._trainable;
  }
  override set trainable(value: boolean) {
    this._trainable = value;
    for (const layer of this.layers) layer.trainable = value;
  }

  override get trainableWeights(): Tensor[] {
    if (!this._trainable) return [];
    const out: Tensor[] = [];
    for (const layer of this.layers)
      for (const w of layer.trainableWeights) if (!out.includes(w)) out.push(w);
    return out;
  }

  /** A layer by name. */
  getLayer(name: string): Layer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer)
      throw new VerboError(
        `model '${this.name}' has no layer '${name}'; layers: ${this.layers.map((l) => l.name).join(', ')}`,
      );
    return layer;
  }

  computeOutputShape(): SymbolicShape[] {
    return this.outputs.map((y) => y.shape);
  }

  protected override checkInputShapes(shapes: readonly SymbolicShape[]): void {
    if (!this.built) return;
    this.checkInputCount(shapes.length);
    shapes.forEach((shape, i) => {
      const expected = this.inputs[i]!.shape;
      const fits =
        shape.length === expected.length &&
        expected.every((d, axis) => d === null || shape[axis] === null || d === shape[axis]);
      if (!fits) {
        throw new ShapeError(
          `model '${this.name}': input '${this.inputs[i]!.name}' expects shape ${formatSymbolicShape(expected)}, got ${formatSymbolicShape(shape)}`,
        );
      }
    });
  }

  private checkInputCount(count: number): void {
    if (count !== this.inputs.length) {
      throw new ShapeError(
        `model '${this.name}' expects ${this.inputs.length} input(s) (${this.inputs
          .map((x) => `${x.name} ${formatSymbolicShape(x.shape)}`)
          .join(', ')}), got ${count}`,
      );
    }
  }

  /** Runs the graph on concrete inputs (one per model input). */
  call(inputs: Tensor[], context: CallContext): Tensor[] {
    this.checkInputCount(inputs.length);
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((x, i) => {
      const value = inputs[i]!;
      if (!shapeMatches(x.shape, value.shape)) {
        throw new ShapeError(
          `model '${this.name}': input '${x.name}' expects shape ${formatSymbolicShape(x.shape)}, got ${formatSymbolicShape(value.shape)}`,
        );
      }
      values.set(x, value);
    });
    for (const node of this.nodes) {
      const args = node.inputs.map((x) => values.get(x)!);
      node.layer.checkConcrete(args);
      const outs = node.layer.call(args, context);
      node.outputs.forEach((y, i) => {
        values.set(y, outs[i]!);
      });
    }
    return this.outputs.map((y) => values.get(y)!);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }

  // ---- compile / fit / evaluate / predict ------------------------------------------------------

  /** Sets the optimizer, the loss of each output and the metrics. */
  compile(options: CompileOptions): void {
    if (!options || options.optimizer === undefined || options.loss === undefined) {
      throw new VerboError(
        `model '${this.name}'.compile: give { optimizer, loss }, e.g. { optimizer: 'adam', loss: 'mse' }`,
      );
    }
    checkOptionNames(`model '${this.name}'.compile`, options, COMPILE_OPTIONS);
    this.ensureGraph();
    const names = this.outputs.map((y) => y.name);
    const pick = <T>(spec: T | T[] | Record<string, T>, what: string, fallback?: T): T[] => {
      if (Array.isArray(spec)) {
        if (spec.length !== names.length) {
          throw new VerboError(
            `model '${this.name}'.compile: ${spec.length} ${what} for ${names.length} outputs (${names.join(', ')}); give one per output`,
          );
        }
        return spec;
      }
      if (spec !== null && typeof spec === 'object') {
        const map = spec as Record<string, T>;
        for (const key of Object.keys(map)) {
          if (!names.includes(key)) {
            throw new VerboError(
              `model '${this.name}'.compile: ${what} for unknown output '${key}'; outputs are ${names.join(', ')}`,
            );
          }
        }
        return names.map((n) => {
          const value = map[n] ?? fallback;
          if (value === undefined)
            throw new VerboError(`model '${this.name}'.compile: no ${what} for output '${n}'`);
          return value;
        });
      }
      return names.map(() => spec as T);
    };
    const losses = pick<LossSpec>(options.loss, 'losses').map((l, i) => {
      const activation = (this.outputs[i]!.sourceLayer as { activation?: unknown }).activation;
      if (typeof l !== 'string' || typeof activation !== 'string') return getLoss(l);
      return getLoss(l, { fromLogits: activation !== 'sigmoid' && activation !== 'softmax' });
    });
    const weights =
      options.lossWeights === undefined
        ? names.map(() => 1)
        : pick<number>(options.lossWeights, 'loss weights', 1);
    const metricSpecs: (MetricName | MetricFn)[][] =
      options.metrics === undefined
        ? names.map(() => [])
        : Array.isArray(options.metrics)
          ? names.map(() => options.metrics as (MetricName | MetricFn)[])
          : pick<(MetricName | MetricFn)[]>(options.metrics, 'metric lists', []);
    this.compiled = names.map((name, i) => ({
      name,
      loss: losses[i]!,
      weight: weights[i]!,
      metrics: metricSpecs[i]!.map((m) => getMetric(m, losses[i]!.lossName, losses[i]!.fromLogits ?? false)),
    }));
    this.optimizer = getOptimizer(options.optimizer);
    this.compileConfig = {
      optimizer: { className: this.optimizer.className, config: this.optimizer.getConfig() },
      loss: this.compiled.map((c) => c.loss.lossName ?? 'custom'),
      metrics: this.compiled.map((c) => c.metrics.map((m) => m.metricName ?? 'custom')),
    };
  }

  /** For Sequential: make sure the graph exists (a no-op for functional models). */
  protected ensureGraph(_shapes?: readonly (readonly number[])[]): void {}

  private requireCompiled(what: string): CompiledOutput[] {
    if (this.compiled === null || this.optimizer === null) {
      throw new VerboError(`model '${this.name}'.${what}: call compile({ optimizer, loss }) first`);
    }
    return this.compiled;
  }

  /** Validates inputs and targets: counts, shapes, one batch size. */
  private checkData(x: Tensor[], y: Tensor[] | null, what: string): number {
    this.checkInputCount(x.length);
    const batch = x[0]!.shape[0];
    x.forEach((t, i) => {
      const expected = this.inputs[i]!.shape;
      if (!shapeMatches(expected, t.shape)) {
        throw new ShapeError(
          `model '${this.name}'.${what}: input '${this.inputs[i]!.name}' expects shape ${formatSymbolicShape(expected)}, got ${formatSymbolicShape(t.shape)}`,
        );
      }
    });
    const all = [...x, ...(y ?? [])];
    for (const t of all) {
      if (t.rank === 0 || t.shape[0] !== batch) {
        throw new ShapeError(
          `model '${this.name}'.${what}: every input and target needs the same number of examples on axis 0; got ${all
            .map((u) => formatSymbolicShape(u.shape))
            .join(', ')}`,
        );
      }
    }
    if (y !== null) {
      if (y.length !== this.outputs.length) {
        throw new ShapeError(
          `model '${this.name}'.${what}: ${y.length} target array(s) for ${this.outputs.length} output(s) (${this.outputs.map((o) => o.name).join(', ')})`,
        );
      }
      const compiled = this.requireCompiled(what);
      y.forEach((t, i) => {
        const out = this.outputs[i]!;
        const loss = compiled[i]!.loss;
        const expected: SymbolicShape = loss.sparse ? out.shape.slice(0, -1) : out.shape;
        const withTrailingOne = loss.sparse && shapeMatches([...expected, 1], t.shape);
        if (!shapeMatches(expected, t.shape) && !withTrailingOne) {
          throw new ShapeError(
            `model '${this.name}'.${what}: loss '${loss.lossName ?? 'custom'}' on output '${out.name}' ${formatSymbolicShape(out.shape)} ` +
              `needs targets of shape ${formatSymbolicShape(expected)}, got ${formatSymbolicShape(t.shape)}` +
              (loss.sparse ? ' (class ids, one per row)' : ''),
          );
        }
      });
    }
    return batch!;
  }

  /** Forward pass on a batch, the weighted loss sum and the per-output losses. */
  private batchLoss(
    x: Tensor[],
    y: Tensor[],
    context: CallContext,
  ): { total: Tensor; outputs: Tensor[]; parts: number[] } {
    const compiled = this.compiled!;
    const outputs = this.call(x, context);
    let total: Tensor | null = null;
    const parts: number[] = [];
    compiled.forEach((c, i) => {
      const lossValue = c.loss(y[i]!, outputs[i]!);
      parts.push(lossValue.item());
      const weighted = c.weight === 1 ? lossValue : mul(lossValue, c.weight);
      total = total === null ? weighted : add(total, weighted);
    });
    return { total: total!, outputs, parts };
  }

  private logNames(): { loss: string[]; metrics: string[][] } {
    const compiled = this.compiled!;
    const multi = compiled.length > 1;
    return {
      loss: compiled.map((c) => (multi ? `${c.name}_loss` : 'loss')),
      metrics: compiled.map((c) =>
        c.metrics.map((m) => (multi ? `${c.name}_${m.metricName ?? 'metric'}` : (m.metricName ?? 'metric'))),
      ),
    };
  }

  /**
   * Keras' `metrics_names`: the order of evaluate's list — 'loss', each output's loss (several
   * outputs), then each output's metrics.
   */
  get metricsNames(): string[] {
    const compiled = this.requireCompiled('metricsNames');
    const names = this.logNames();
    return ['loss', ...(compiled.length > 1 ? names.loss : []), ...names.metrics.flat()];
  }

  /** Trains for `epochs` passes over the data; returns the per-epoch History. */
  async fit(x: Tensor | Tensor[], y: Tensor | Tensor[], options: FitOptions = {}): Promise<History> {
    checkOptionNames(`model '${this.name}'.fit`, options, FIT_OPTIONS);
    const verbose = resolveVerbose(options.verbose, `model '${this.name}'.fit`);
    let inputs = asList(x);
    let targets = asList(y);
    this.ensureGraph(inputs.map((t) => t.shape));
    const compiled = this.requireCompiled('fit');
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    if (!(Number.isInteger(epochs) && epochs > 0))
      throw new VerboError(`fit: epochs must be a positive integer, got ${epochs}`);
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new VerboError(`fit: batchSize must be a positive integer, got ${batchSize}`);
    let count = this.checkData(inputs, targets, 'fit');
    let validation: [Tensor[], Tensor[]] | null = null;
    if (options.validationData !== undefined) {
      validation = [asList(options.validationData[0]), asList(options.validationData[1])];
      this.checkData(validation[0], validation[1], 'fit (validationData)');
    } else if (options.validationSplit !== undefined) {
      const split = options.validationSplit;
      if (!(split > 0 && split < 1))
        throw new VerboError(`fit: validationSplit must be in (0, 1), got ${split}`);
      const trainCount = Math.floor(count * (1 - split));
      if (trainCount === 0 || trainCount === count) {
        throw new VerboError(
          `fit: validationSplit ${split} of ${count} examples leaves an empty training or validation set`,
        );
      }
      const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
      const head = range(0, trainCount);
      const tail = range(trainCount, count);
      validation = [inputs.map((t) => takeRows(t, tail)), targets.map((t) => takeRows(t, tail))];
      inputs = inputs.map((t) => takeRows(t, head));
      targets = targets.map((t) => takeRows(t, head));
      count = trainCount;
    }
    this.keepWeights();
    const random = new Random(options.seed ?? 0);
    const callbacks = options.callbacks === undefined ? [] : [...asList(options.callbacks)];
    const initialEpoch = options.initialEpoch ?? 0;
    if (verbose > 0) {
      const steps = Math.ceil(count / batchSize);
      callbacks.push(new ProgbarLogger({ verbose: verbose as 1 | 2, steps, epochs: initialEpoch + epochs }));
    }
    const names = this.logNames();
    const order = Int32Array.from({ length: count }, (_, i) => i);
    const shuffle = options.shuffle ?? true;
    return runTraining<Int32Array>({
      who: `model '${this.name}'.fit`,
      model: this,
      optimizer: this.optimizer!,
      params: this.trainableWeights,
      random,
      initialEpoch,
      endEpoch: initialEpoch + epochs,
      batches: function* () {
        // A fresh permutation each epoch: the order depends on the random source alone (resumable).
        for (let i = 0; i < count; i++) order[i] = i;
        if (shuffle) random.shuffle(order);
        for (let start = 0; start < count; start += batchSize) {
          yield order.subarray(start, Math.min(count, start + batchSize));
        }
      },
      step: (indices) => {
        const xb = inputs.map((t) => takeRows(t, indices));
        const yb = targets.map((t) => takeRows(t, indices));
        const { total, outputs, parts } = this.batchLoss(xb, yb, { training: true, random });
        const logs: Logs = { loss: total.item() };
        noGrad(() => {
          compiled.forEach((c, i) => {
            if (compiled.length > 1) logs[names.loss[i]!] = parts[i]!;
            c.metrics.forEach((m, j) => {
              logs[names.metrics[i]![j]!] = m(yb[i]!, outputs[i]!.detach());
            });
          });
        });
        return { loss: total, logs, size: indices.length };
      },
      validate:
        validation === null ? undefined : () => this.evaluateLogs(validation[0], validation[1], batchSize),
      callbacks,
    });
  }

  /**
   * Mean loss and metrics over the data (inference mode), as Keras returns them: the loss alone when
   * there are no metrics and one output, else [loss, ...] in the order of `metricsNames`;
   * `returnDict: true` gives { loss, accuracy, … }.
   */
  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], options: EvaluateOptions & { returnDict: true }): Logs;
  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], options?: EvaluateOptions): number | number[];
  evaluate(
    x: Tensor | Tensor[],
    y: Tensor | Tensor[],
    options: EvaluateOptions = {},
  ): number | number[] | Logs {
    checkOptionNames(`model '${this.name}'.evaluate`, options, ['batchSize', 'verbose', 'returnDict']);
    const verbose = resolveVerbose(options.verbose, `model '${this.name}'.evaluate`);
    const batchSize = options.batchSize ?? 32;
    const progress = verbose > 0 ? new ProgbarLogger({ verbose: verbose as 1 | 2, steps: 1 }) : null;
    progress?.begin();
    const logs = this.evaluateLogs(x, y, batchSize, progress);
    progress?.end(logs);
    if (options.returnDict) return logs;
    const values = this.metricsNames.map((name) => logs[name]!);
    return values.length === 1 ? values[0]! : values;
  }

  /** evaluate's { loss, metrics… } (fit's validation uses it too). */
  private evaluateLogs(
    x: Tensor | Tensor[],
    y: Tensor | Tensor[],
    batchSize: number,
    progress: ProgbarLogger | null = null,
  ): Logs {
    const inputs = asList(x);
    const targets = asList(y);
    this.ensureGraph(inputs.map((t) => t.shape));
    const compiled = this.requireCompiled('evaluate');
    const count = this.checkData(inputs, targets, 'evaluate');
    progress?.setSteps(Math.ceil(count / batchSize));
    const names = this.logNames();
    const sums: Record<string, number> = {};
    const random = new Random(0);
    noGrad(() => {
      for (let start = 0; start < count; start += batchSize) {
        const indices = Int32Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
        const xb = inputs.map((t) => takeRows(t, indices));
        const yb = targets.map((t) => takeRows(t, indices));
        const { total, outputs, parts } = this.batchLoss(xb, yb, { training: false, random });
        const n = indices.length;
        sums.loss = (sums.loss ?? 0) + total.item() * n;
        compiled.forEach((c, i) => {
          if (compiled.length > 1) sums[names.loss[i]!] = (sums[names.loss[i]!] ?? 0) + parts[i]! * n;
          c.metrics.forEach((m, j) => {
            const key = names.metrics[i]![j]!;
            sums[key] = (sums[key] ?? 0) + m(yb[i]!, outputs[i]!) * n;
          });
        });
        progress?.onBatchEnd(start / batchSize, { size: n, loss: total.item() });
      }
    });
    const logs: Logs = {};
    for (const [key, value] of Object.entries(sums)) logs[key] = value / count;
    return logs;
  }

  /** Outputs for the inputs (inference mode, batched), one Tensor per model output. */
  predictAll(x: Tensor | Tensor[], options: PredictOptions = {}): Tensor[] {
    checkOptionNames(`model '${this.name}'.predict`, options, ['batchSize', 'verbose']);
    const verbose = resolveVerbose(options.verbose ?? 0, `model '${this.name}'.predict`);
    const inputs = asList(x);
    this.ensureGraph(inputs.map((t) => t.shape));
    const count = this.checkData(inputs, null, 'predict');
    const batchSize = options.batchSize ?? 32;
    const progress =
      verbose > 0
        ? new ProgbarLogger({ verbose: verbose as 1 | 2, steps: Math.ceil(count / batchSize) })
        : null;
    progress?.begin();
    const random = new Random(0);
    const pieces: Float32Array[][] = this.outputs.map(() => []);
    const shapes: number[][] = [];
    noGrad(() => {
      for (let start = 0; start < count; start += batchSize) {
        const indices = Int32Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
        const outs = this.call(
          inputs.map((t) => takeRows(t, indices)),
          { training: false, random },
        );
        outs.forEach((o, i) => {
          pieces[i]!.push(o.toFloat32Array());
          shapes[i] = [...o.shape.slice(1)];
        });
        progress?.onBatchEnd(start / batchSize, { size: indices.length });
      }
    });
    progress?.end({});
    return pieces.map((parts, i) => {
      const total = parts.reduce((n, p) => n + p.length, 0);
      const data = new Float32Array(total);
      let offset = 0;
      for (const p of parts) {
        data.set(p, offset);
        offset += p.length;
      }
      return new Tensor(data, [count, ...(shapes[i] ?? [])]);
    });
  }

  /** Outputs for the inputs (inference mode). For a model with several outputs use predictAll. */
  predict(x: Tensor | Tensor[], options: PredictOptions = {}): Tensor {
    if (this.built && this.outputs.length !== 1) {
      throw new VerboError(
        `model '${this.name}' has ${this.outputs.length} outputs; use predictAll(x), which returns one Tensor per output`,
      );
    }
    return this.predictAll(x, options)[0]!;
  }

  // ---- weights as plain arrays (callbacks, save/load) ----------------------------------------------

  /** Copies of every weight's values (model order). */
  getWeightValues(): Float32Array[] {
    return this.weights.map((w) => w.value.toFloat32Array());
  }

  /** Writes values back into the weights (same order and sizes as getWeightValues). */
  setWeightValues(values: readonly Float32Array[]): void {
    this.setWeights(values);
  }

  override resetStates(): void {
    for (const layer of this.layers) layer.resetStates();
  }

  // ---- summary ---------------------------------------------------------------------------------------

  /**
   * Prints the layer table (name, type, output shape, parameters; inputs for functional models) and
   * the totals through the nn logger, as Keras does; `{ print: false }` returns the text instead,
   * `{ printFn }` receives each line (Keras' print_fn).
   */
  summary(options: SummaryOptions & { print: false }): string;
  summary(options?: SummaryOptions): void;
  summary(options: SummaryOptions = {}): string | undefined {
    checkOptionNames(`model '${this.name}'.summary`, options, ['lineLength', 'printFn', 'print']);
    const text = this.summaryText(options.lineLength ?? 98);
    if (options.print === false) return text;
    if (options.printFn) for (const line of text.trimEnd().split('\n')) options.printFn(line);
    else getLogger().write(text);
    return undefined;
  }

  private summaryText(lineLength: number): string {
    this.ensureGraph();
    if (!this.built) {
      throw new VerboError(
        `model '${this.name}' is not built yet; give the first layer an inputShape or call fit/predict first`,
      );
    }
    const sequentialLike = this.className === 'Sequential';
    const columns = sequentialLike ? [0.45, 0.8, 1] : [0.33, 0.55, 0.67, 1];
    const positions = columns.map((c) => Math.floor(c * lineLength));
    const row = (cells: string[]): string => {
      let line = '';
      cells.forEach((cell, i) => {
        const width = positions[i]! - line.length;
        line += ` ${cell}`.padEnd(Math.max(width, cell.length + 2));
      });
      return line.trimEnd();
    };
    const headers = sequentialLike
      ? ['Layer (type)', 'Output Shape', 'Param #']
      : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
    const lines = [`Model: "${this.name}"`, '_'.repeat(lineLength), row(headers), '='.repeat(lineLength)];
    const ownNodes = (layer: Layer) => this.nodesOf(layer);
    this.layers.forEach((layer, index) => {
      if (sequentialLike && layer instanceof InputLayer) return;
      const nodes = ownNodes(layer);
      const shapes = nodes.flatMap((n) => n.outputs.map((o) => formatSymbolicShape(o.shape)));
      const unique = [...new Set(shapes)];
      const shape = unique.length === 1 ? unique[0]! : unique.length === 0 ? '?' : 'multiple';
      const cells = [`${layer.name} (${layer.className})`, shape, String(layer.countParams())];
      if (!sequentialLike) {
        const sources = nodes.flatMap((n) =>
          n.inputs.map(
            (x) => `${x.sourceLayer.name}[${this.nodesOf(x.sourceLayer).indexOf(x.node)}][${x.outputIndex}]`,
          ),
        );
        cells.push(sources.join(', '));
      }
      lines.push(row(cells));
      if (index < this.layers.length - 1) lines.push('');
    });
    const total = this.countParams();
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    lines.push('='.repeat(lineLength));
    lines.push(`Total params: ${total.toLocaleString('en-US')}`);
    lines.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    lines.push(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    lines.push('_'.repeat(lineLength));
    return `${lines.join('\n')}\n`;
  }

  override countParams(): number {
    return this.layers.reduce((n, layer) => n + layer.countParams(), 0);
  }

  /** The nodes of `layer` that belong to this model. */
  protected nodesOf(layer: Layer): Node[] {
    if (layer instanceof InputLayer)
      return layer.inboundNodes.filter((n) => this.inputs.some((x) => x.node === n));
    return this.nodes.filter((n) => n.layer === layer);
  }

  // ---- save / load ------------------------------------------------------------------------------------

  /** The architecture as versioned JSON (layers with configs, nodes in run order, inputs, outputs). */
  toJSON(): Record<string, unknown> {
    this.ensureGraph();
    const nodeRef = (symbol: SymbolicTensor): [string, number, number] => [
      symbol.sourceLayer.name,
      this.nodesOf(symbol.sourceLayer).indexOf(symbol.node),
      symbol.outputIndex,
    ];
    return {
      format: MODEL_FORMAT,
      version: MODEL_FORMAT_VERSION,
      className: this.className,
      name: this.name,
      layers: this.layers.map((layer) => ({
        className: layer.className,
        name: layer.name,
        config: layer.getConfig(),
      })),
      nodes: this.nodes.map((node) => ({ layer: node.layer.name, inputs: node.inputs.map(nodeRef) })),
      inputs: this.inputs.map(nodeRef),
      outputs: this.outputs.map(nodeRef),
      ...(this.compileConfig ? { training: this.compileConfig } : {}),
    };
  }

  /** The weights by name (save, load, checkpoints). */
  namedWeights(): { name: string; value: Tensor }[] {
    this.ensureGraph();
    return this.weights.map((w) => ({ name: w.name, value: w.value }));
  }

  /** Writes weights.bin + weights.json (the one weight format, weights-file.ts). */
  saveWeights(dir: string): void {
    writeWeightFile(
      dir,
      this.namedWeights().map((w) => ({
        name: w.name,
        shape: w.value.shape,
        values: w.value.toFloat32Array(),
      })),
    );
  }

  /** Reads weights saved by saveWeights into this model (matched by name; shapes must agree). */
  loadWeights(dir: string): void {
    const file = readWeightFile(dir);
    assignWeights(
      file,
      this.namedWeights().map((w) => ({ name: w.name, data: w.value.data, shape: w.value.shape })),
      join(dir, 'weights.json'),
    );
    this.keepWeights();
  }

  /** Saves the architecture (model.json) and the weights (weights.json + weights.bin) into `dir`. */
  save(dir: string): void {
    this.saveWeights(dir);
    writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(this.toJSON(), null, 1)}\n`);
  }
}

/** A functional model from input symbols to output symbols (Keras `tf.keras.Model(inputs, outputs)`). */
export function model(options: ModelOptions): Model {
  return new Model(options);
}
