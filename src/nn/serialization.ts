// Loading saved models: model.json (architecture, versioned: format 'verbo-model', version 1) plus
// weights.json / weights.bin (see Model.save). The architecture lists every layer with its class
// name and config, the nodes in run order (each naming its inputs as [layer, node, output]) and the
// model's inputs and outputs; loading re-creates the layers from a fixed table of classes, replays
// the nodes, and reads the weights by name. Custom initialisers are not saved (the weights are).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, VerboError } from '../util/errors.js';
import { conv2d, maxPooling2d } from './layers/conv.js';
import { dense, dropout, embedding, flatten, input } from './layers/core.js';
import type { Layer } from './layers/layer.js';
import { add, concatenate } from './layers/merge.js';
import { gru, lstm, simpleRNN } from './layers/recurrent.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, Model } from './model.js';
import { Sequential } from './sequential.js';
import type { SymbolicTensor } from './symbolic.js';

type Config = Record<string, unknown>;

const savedInitializers = new Set([
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'orthogonal',
  'zeros',
  'ones',
]);

/** Drops initialiser names that cannot be rebuilt (custom functions); the saved weights replace them anyway. */
function clean(config: Config): Config {
  const out: Config = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith('Initializer') && !(typeof value === 'string' && savedInitializers.has(value))) continue;
    out[key] = value;
  }
  return out;
}

const layerTable: Record<string, (config: Config) => Layer> = {
  Dense: (c) => dense(c as never),
  Embedding: (c) => embedding(c as never),
  Dropout: (c) => dropout(c as never),
  Flatten: (c) => flatten(c as never),
  Add: (c) => add(c as never),
  Concatenate: (c) => concatenate(c as never),
  SimpleRNN: (c) => simpleRNN(c as never),
  LSTM: (c) => lstm(c as never),
  GRU: (c) => gru(c as never),
  Conv2D: (c) => conv2d(c as never),
  MaxPooling2D: (c) => maxPooling2d(c as never),
};

interface SavedArchitecture {
  format: string;
  version: number;
  className: string;
  name: string;
  layers: { className: string; name: string; config: Config }[];
  nodes: { layer: string; inputs: [string, number, number][] }[];
  inputs: [string, number, number][];
  outputs: [string, number, number][];
}

/** Rebuilds a model (fresh weights) from the architecture JSON written by model.toJSON(). */
export function modelFromJSON(json: unknown): Model {
  const saved = json as SavedArchitecture;
  if (saved === null || typeof saved !== 'object' || saved.format !== MODEL_FORMAT) {
    throw new FormatError(`not a verbo model architecture (expected format '${MODEL_FORMAT}')`);
  }
  if (saved.version !== MODEL_FORMAT_VERSION) {
    throw new FormatError(
      `model architecture version ${saved.version} is not supported (this verbo reads version ${MODEL_FORMAT_VERSION})`,
    );
  }
  const layers = new Map<string, Layer>();
  const symbols = new Map<string, SymbolicTensor>();
  const key = (layer: string, node: number, output: number) => `${layer}/${node}/${output}`;
  const nodeCounts = new Map<string, number>();
  for (const entry of saved.layers) {
    if (entry.className === 'InputLayer') {
      const shape = entry.config.shape as (number | null)[];
      symbols.set(key(entry.name, 0, 0), input({ shape, name: entry.name }));
      continue;
    }
    const factory = layerTable[entry.className];
    if (!factory) {
      throw new FormatError(
        `model architecture: unknown layer class '${entry.className}' (layer '${entry.name}')`,
      );
    }
    layers.set(entry.name, factory({ ...clean(entry.config), name: entry.name }));
  }
  for (const node of saved.nodes) {
    const layer = layers.get(node.layer);
    if (!layer) throw new FormatError(`model architecture: node of unknown layer '${node.layer}'`);
    const inputs = node.inputs.map(([l, n, o]) => {
      const symbol = symbols.get(key(l, n, o));
      if (!symbol)
        throw new FormatError(
          `model architecture: layer '${node.layer}' reads '${l}' node ${n} output ${o}, which is not defined before it`,
        );
      return symbol;
    });
    const index = nodeCounts.get(node.layer) ?? 0;
    nodeCounts.set(node.layer, index + 1);
    layer.applyAll(inputs).forEach((symbol, output) => {
      symbols.set(key(node.layer, index, output), symbol);
    });
  }
  const find = ([l, n, o]: [string, number, number]) => {
    const symbol = symbols.get(key(l, n, o));
    if (!symbol) throw new FormatError(`model architecture: unknown tensor '${l}' node ${n} output ${o}`);
    return symbol;
  };
  const inputs = saved.inputs.map(find);
  const outputs = saved.outputs.map(find);
  if (saved.className === 'Sequential') {
    const ordered = saved.nodes.map((n) => layers.get(n.layer)!);
    const sequentialModel = new Sequential([], {
      name: saved.name,
      inputShape: inputs[0]!.shape.slice(1) as number[],
    });
    sequentialModel.adopt(inputs, outputs, ordered);
    return sequentialModel;
  }
  return new Model({ inputs, outputs, name: saved.name });
}

/** Loads a model saved by model.save(dir): the architecture and its weights (not compiled). */
export function loadModel(dir: string): Model {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VerboError(
        `loadModel: ${join(dir, 'model.json')} does not exist; give the directory model.save() wrote`,
        'ENOENT',
      );
    }
    throw new FormatError(`loadModel: cannot read ${join(dir, 'model.json')}: ${(error as Error).message}`);
  }
  const loaded = modelFromJSON(json);
  loaded.loadWeights(dir);
  return loaded;
}
