// Keras habits: snake_case / class names for losses, metrics and optimizers; fit's verbose progress
// through the one replaceable logger; summary() printing; evaluate's Keras return shapes; options
// written the Python way refused with the camelCase name.
import { afterEach, describe, expect, it } from 'vitest';
import {
  dense,
  formatSymbolicShape,
  getLoss,
  getMetric,
  getOptimizer,
  input,
  type Logger,
  model,
  sequential,
  setLogger,
  silentLogger,
} from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { Random } from '../../src/util/random.js';

/** A logger that keeps what it is given. */
function recorder(interactive = false): Logger & { text: string } {
  const logger = {
    text: '',
    interactive,
    write(chunk: string) {
      logger.text += chunk;
    },
  };
  return logger;
}

/** 64 points in 4 dimensions, labelled by the sign of their first coordinate. */
function blobs(n = 64): { x: Tensor; y: Tensor } {
  const random = new Random(3);
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = random.normal(0, 1);
    y[i] = x[i * 4]! > 0 ? 1 : 0;
  }
  return { x: new Tensor(x, [n, 4]), y: new Tensor(y, [n, 1]) };
}

function classifier(metrics: string[] = ['accuracy']) {
  const m = sequential(
    [dense({ units: 8, activation: 'relu', inputShape: [4] }), dense({ units: 1, activation: 'sigmoid' })],
    {
      name: 'clf',
      seed: 2,
    },
  );
  m.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: metrics as never });
  return m;
}

afterEach(() => {
  setLogger(silentLogger);
});

describe('Keras names', () => {
  it.each([
    ['binary_crossentropy', 'binaryCrossentropy'],
    ['BinaryCrossentropy', 'binaryCrossentropy'],
    ['categorical_crossentropy', 'categoricalCrossentropy'],
    ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
    ['mean_squared_error', 'meanSquaredError'],
    ['mse', 'meanSquaredError'],
    ['mae', 'meanAbsoluteError'],
    ['mean_absolute_error', 'meanAbsoluteError'],
  ])('loss %s is %s', (name, canonical) => {
    expect(getLoss(name as never).lossName).toBe(canonical);
  });

  it('snake_case and camelCase give the same loss value', () => {
    const t = new Tensor(Float32Array.of(1, 0, 1), [3, 1]);
    const p = new Tensor(Float32Array.of(0.8, 0.3, 0.6), [3, 1]);
    const a = getLoss('binary_crossentropy')(t, p).item();
    expect(a).toBeCloseTo(getLoss('binaryCrossentropy')(t, p).item(), 6);
    expect(a).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7) + Math.log(0.6)) / 3, 5);
  });

  it.each([
    ['adam', 'Adam'],
    ['Adam', 'Adam'],
    ['sgd', 'SGD'],
    ['SGD', 'SGD'],
    ['rmsprop', 'RMSprop'],
    ['RMSprop', 'RMSprop'],
    ['adagrad', 'Adagrad'],
    ['adamw', 'AdamW'],
  ])('optimizer %s is %s', (name, className) => {
    expect(getOptimizer(name as never).className).toBe(className);
  });

  it('metrics: Keras names, logged under the name given', () => {
    const t = new Tensor(Float32Array.of(1, 0, 1, 1), [4, 1]);
    const p = new Tensor(Float32Array.of(0.9, 0.2, 0.4, 0.7), [4, 1]);
    for (const name of ['accuracy', 'acc', 'binary_accuracy', 'binaryAccuracy']) {
      const m = getMetric(name as never, 'binaryCrossentropy');
      expect(m.metricName).toBe(name);
      expect(m(t, p)).toBeCloseTo(0.75, 6);
    }
    expect(getMetric('mean_squared_error', undefined)(t, p)).toBeCloseTo((0.01 + 0.04 + 0.36 + 0.09) / 4, 6);
    const sparse = getMetric('sparse_categorical_accuracy', 'sparseCategoricalCrossentropy');
    const logits = new Tensor(Float32Array.of(0.1, 2, 3, 0), [2, 2]);
    expect(sparse(new Tensor(Float32Array.of(1, 1), [2]), logits)).toBe(0.5);
  });

  it('unknown names list the accepted ones', () => {
    expect(() => getLoss('hinge' as never)).toThrow(
      /unknown loss 'hinge'; use one of mse, mae, binary_crossentropy/,
    );
    expect(() => getOptimizer('nadam' as never)).toThrow(/unknown optimizer 'nadam'/);
    expect(() => getMetric('auc' as never, undefined)).toThrow(/unknown metric 'auc'/);
  });

  it('an option written the Python way names its camelCase spelling', async () => {
    const { x, y } = blobs();
    const m = classifier();
    await expect(m.fit(x, y, { batch_size: 8 } as never)).rejects.toThrow(
      /fit: unknown option 'batch_size'; write it as batchSize/,
    );
    expect(() => m.evaluate(x, y, { return_dict: true } as never)).toThrow(/write it as returnDict/);
  });
});

describe('shapes as Keras prints them', () => {
  it.each([
    [[null, 20], '(None, 20)'],
    [[null], '(None,)'],
    [[null, 28, 28, 1], '(None, 28, 28, 1)'],
    [[3, 4], '(3, 4)'],
  ])('%j → %s', (shape, text) => {
    expect(formatSymbolicShape(shape as (number | null)[])).toBe(text);
  });
});

describe('fit verbose', () => {
  it('prints one Keras line per epoch by default, with val_ metrics, through the logger', async () => {
    const logger = recorder();
    setLogger(logger);
    const { x, y } = blobs();
    const history = await classifier().fit(x, y, { epochs: 3, batchSize: 16, validationSplit: 0.25 });
    const lines = logger.text.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('Epoch 1/3');
    expect(lines[4]).toBe('Epoch 3/3');
    // 48 training examples in batches of 16: 3 steps
    expect(lines[5]).toMatch(
      /^3\/3 \[={30}\] - \d+m?u?s \d+m?u?s\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/,
    );
    const shown = Number(/ loss: (\d\.\d{4})/.exec(lines[5]!)![1]);
    expect(shown).toBeCloseTo(history.history.loss![2]!, 4);
    const shownValidation = Number(/val_accuracy: (\d\.\d{4})/.exec(lines[5]!)![1]);
    expect(shownValidation).toBeCloseTo(history.history.val_accuracy![2]!, 4);
  });

  it('redraws the bar in place on a terminal; verbose 2 has no bar; verbose 0 prints nothing', async () => {
    const { x, y } = blobs();
    const terminal = recorder(true);
    setLogger(terminal);
    await classifier().fit(x, y, { epochs: 1, batchSize: 16 });
    expect(terminal.text).toMatch(/\r1\/4 \[={6}>\.{23}\] - ETA/);
    expect(terminal.text).toMatch(/\r4\/4 \[={30}\] - .* - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n$/);

    const plain = recorder();
    setLogger(plain);
    await classifier().fit(x, y, { epochs: 2, batchSize: 16, verbose: 2 });
    expect(plain.text).toMatch(
      /^Epoch 1\/2\n4\/4 - \d+m?u?s - \d+m?u?s\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\nEpoch 2\/2\n/,
    );

    const quiet = recorder();
    setLogger(quiet);
    await classifier().fit(x, y, { epochs: 2, verbose: 0 });
    expect(quiet.text).toBe('');
  });
});

describe('evaluate and summary, Keras style', () => {
  it('evaluate: the loss alone without metrics, [loss, ...metrics] with, returnDict for the object', async () => {
    const { x, y } = blobs();
    const plain = classifier([]);
    const loss = plain.evaluate(x, y, { verbose: 0 });
    expect(typeof loss).toBe('number');
    const m = classifier(['accuracy', 'mse']);
    await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    const values = m.evaluate(x, y, { verbose: 0 });
    const dict = m.evaluate(x, y, { verbose: 0, returnDict: true });
    expect(m.metricsNames).toEqual(['loss', 'accuracy', 'mse']);
    expect(values).toEqual([dict.loss, dict.accuracy, dict.mse]);
    // the accuracy is the share of right answers of the predictions
    const p = m.predict(x).toFloat32Array();
    const t = y.toFloat32Array();
    let right = 0;
    for (let i = 0; i < t.length; i++) if ((p[i]! > 0.5 ? 1 : 0) === t[i]) right++;
    expect(dict.accuracy).toBeCloseTo(right / t.length, 6);
  });

  it('evaluate prints one line by default', () => {
    const logger = recorder();
    setLogger(logger);
    const { x, y } = blobs();
    classifier().evaluate(x, y, { batchSize: 16 });
    expect(logger.text).toMatch(/^4\/4 \[={30}\] - .*\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n$/);
  });

  it('summary() prints through the logger, printFn gets lines, print: false returns the text', () => {
    const inputs = input({ shape: [20] });
    const h = dense({ units: 64, activation: 'relu' }).apply(inputs);
    const outputs = dense({ units: 1, activation: 'sigmoid' }).apply(h);
    const m = model({ inputs, outputs, name: 'functional' });
    const logger = recorder();
    setLogger(logger);
    expect(m.summary()).toBeUndefined();
    expect(logger.text).toMatch(/^Model: "functional"\n/);
    expect(logger.text).toMatch(/\(InputLayer\)\s+\(None, 20\)\s+0/);
    expect(logger.text).toMatch(/\(Dense\)\s+\(None, 64\)\s+1344/);
    expect(logger.text).toMatch(/Total params: 1,409\n/);
    const lines: string[] = [];
    m.summary({ printFn: (line) => lines.push(line) });
    expect(lines.join('\n')).toBe(logger.text.trimEnd());
    expect(m.summary({ print: false })).toBe(logger.text);
  });
});
