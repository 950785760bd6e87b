// Activation functions by Keras name, for layers' `activation` option. 'linear' is the identity;
// softmax is taken over the last axis.
import { elu, leakyRelu, relu, sigmoid, softmax, type Tensor, tanh } from '../tensor/index.js';
import { VerboError } from '../util/errors.js';

export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'elu' | 'leakyRelu';

const table: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu,
  sigmoid,
  tanh,
  softmax: (x) => softmax(x, -1),
  elu: (x) => elu(x),
  leakyRelu: (x) => leakyRelu(x),
};

/** The function for an activation name (undefined → linear); throws on an unknown name. */
export function getActivation(name: ActivationName | undefined, layer: string): (x: Tensor) => Tensor {
  const fn = table[name ?? 'linear'];
  if (fn === undefined) {
    throw new VerboError(
      `${layer}: unknown activation '${String(name)}'; use one of ${Object.keys(table).join(', ')}`,
    );
  }
  return fn;
}
