// The course's Keras functional-API example, in verbo: a binary classifier on 1,000 generated examples
// with 20 features (Input 20 → Dense 64 relu → Dense 64 relu → Dense 1 sigmoid; adam, binary
// cross-entropy, accuracy; 10 epochs, batch 32), then evaluate, a classification report, the confusion
// matrix and the ROC AUC on the held-out fifth. The Keras lines it follows are in the comments.
// Usage: npm run example:keras [-- --seed N --epochs N --verbose 0|1|2]
import { nn, Random, tensor } from 'verbo';
import { commonOptions, isMain } from './run.mjs';

/**
 * Like scikit-learn's make_classification (not its exact numbers): two classes of equal size, each a
 * Gaussian cloud (σ 1) around its own random corner of a hypercube (±1) in the first `informative`
 * features; the other features are pure noise; a share `flip` of the labels is flipped at random.
 */
export function makeClassification({
  samples = 1000,
  features = 20,
  informative = 5,
  flip = 0.01,
  seed = 42,
} = {}) {
  const random = new Random(seed);
  const corners = [0, 1].map(() => Array.from({ length: informative }, () => (random.next() < 0.5 ? -1 : 1)));
  const x = new Float32Array(samples * features);
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % 2;
    for (let j = 0; j < features; j++) {
      x[i * features + j] = (j < informative ? corners[label][j] : 0) + random.normal(0, 1);
    }
    y[i] = random.next() < flip ? 1 - label : label;
  }
  return { x: new tensor.Tensor(x, [samples, features]), y: new tensor.Tensor(y, [samples, 1]) };
}

/** Like scikit-learn's train_test_split: a seeded shuffle, the last `testSize` share held out. */
export function trainTestSplit(x, y, { testSize = 0.2, seed = 42 } = {}) {
  const order = Int32Array.from({ length: x.shape[0] }, (_, i) => i);
  new Random(seed).shuffle(order);
  const cut = Math.round(order.length * (1 - testSize));
  const train = order.subarray(0, cut);
  const test = order.subarray(cut);
  return [nn.takeRows(x, train), nn.takeRows(x, test), nn.takeRows(y, train), nn.takeRows(y, test)];
}

/** Runs the example; `log` receives what the Keras script prints (console.log when run directly). */
export async function runKeras(options = {}) {
  const seed = options.seed ?? 42;
  const verbose = options.verbose ?? 1;
  const log = options.log ?? (() => {});

  // X, y = make_classification(n_samples=1000, n_features=20, random_state=42)
  const { x, y } = makeClassification({ samples: 1000, features: 20, seed });
  // X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, seed });

  // inputs = Input(shape=(20,))
  const inputs = nn.input({ shape: [20] });
  // x = Dense(64, activation='relu')(inputs); x = Dense(64, activation='relu')(x)
  let hidden = nn.dense({ units: 64, activation: 'relu' }).apply(inputs);
  hidden = nn.dense({ units: 64, activation: 'relu' }).apply(hidden);
  // outputs = Dense(1, activation='sigmoid')(x)
  const outputs = nn.dense({ units: 1, activation: 'sigmoid' }).apply(hidden);
  // model = Model(inputs=inputs, outputs=outputs)
  const model = nn.model({ inputs, outputs, seed });
  // model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
  model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  // model.summary()
  if (verbose > 0) model.summary();

  // model.fit(X_train, y_train, epochs=10, batch_size=32)
  const history = await model.fit(xTrain, yTrain, {
    epochs: options.epochs ?? 10,
    batchSize: 32,
    seed,
    verbose,
  });

  // loss, accuracy = model.evaluate(X_test, y_test)
  const [loss, accuracy] = model.evaluate(xTest, yTest, { verbose });
  log(`Test loss: ${loss.toFixed(4)}, test accuracy: ${accuracy.toFixed(4)}`);

  // y_prob = model.predict(X_test); y_pred = (y_prob > 0.5).astype(int)
  const yProb = model.predict(xTest).toFloat32Array();
  const yPred = Array.from(yProb, (p) => (p > 0.5 ? 1 : 0));
  const yTrue = Array.from(yTest.toFloat32Array());
  // print(classification_report(y_test, y_pred))
  const report = nn.classificationReport(yTrue, yPred);
  log(`\n${report}`);
  // print(confusion_matrix(y_test, y_pred))
  const matrix = nn.confusionMatrix(yTrue, yPred, 2);
  log(
    `Confusion matrix (rows: true class, columns: predicted):\n${matrix.map((row) => `  ${row.join('  ')}`).join('\n')}`,
  );
  // print(roc_auc_score(y_test, y_prob))
  const auc = nn.rocAuc(yTrue, yProb);
  log(`ROC AUC: ${auc.toFixed(4)}`);

  return { loss, accuracy, auc, matrix, report, history };
}

if (isMain(import.meta.url)) {
  const start = performance.now();
  await runKeras({ ...commonOptions(), log: console.log });
  console.log(`(${((performance.now() - start) / 1000).toFixed(1)} s)`);
}
