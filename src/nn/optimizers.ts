// Optimizers (Keras names and defaults): SGD (momentum, Nesterov), AdaGrad, RMSProp, Adam, AdamW, with
// optional gradient clipping and learning-rate schedules. `step(params)` reads each parameter's
// `.grad`, clips, updates the parameter's Float32Array in place (kernels/optimizers.ts), and clears
// the gradient (autograd accumulates otherwise). Updates run outside autograd.
//
//   SGD:      v = μv − lr·g;  p += v   (Nesterov: p += μv − lr·g);  μ = 0 is plain p −= lr·g
//   AdaGrad:  a += g²;  p −= lr·g / (√a + ε)              (a starts at initialAccumulatorValue = 0.1)
//   RMSProp:  s = ρs + (1 − ρ)g²;  p −= lr·g / (√s + ε)    (ρ = 0.9)
//   Adam:     bias-corrected first and second moments (β₁ = 0.9, β₂ = 0.999, ε = 1e-7)
//   AdamW:    Adam preceded by the decoupled weight decay p −= lr·λ·p (λ = weightDecay, default 0.004)
// Clipping, before the update: clipNorm rescales ALL gradients together when their global L2 norm
// exceeds it (PyTorch clip_grad_norm_, Keras global_clipnorm); clipValue clips each entry.
import { recycleGradient, type Tensor } from '../tensor/index.js';
import { VerboError } from '../util/errors.js';
import { nameKey } from './names.js';
import {
  adagradUpdate,
  adamUpdate,
  clipInPlace,
  momentumUpdate,
  rmspropUpdate,
  scaleInPlace,
  sgdUpdate,
  sumOfSquares,
} from './kernels/optimizers.js';

/** A learning rate as a function of the optimizer step (0-based count of updates so far). */
export type LearningRateSchedule = ((step: number) => number) & { config?: Record<string, unknown> };

export interface OptimizerOptions {
  learningRate?: number | LearningRateSchedule;
  /** Rescale all gradients together when their global L2 norm exceeds this. */
  clipNorm?: number;
  /** Clip every gradient entry to [−clipValue, clipValue]. */
  clipValue?: number;
  /**
   * Hand each gradient buffer back to the autograd engine after the update, for the parameter's next
   * backward pass (no fresh allocation per step: fewer garbage collections). Only for a training loop
   * that keeps no reference to `param.grad` across `step()`: the next backward reuses the buffer.
   */
  recycleGradients?: boolean;
}

/** The gradient of a parameter as a contiguous Float32Array of its size. */
function gradientData(param: Tensor): Float32Array | null {
  const grad = param.grad;
  if (grad === null) return null;
  if (grad.isContiguous && grad.offset === 0 && grad.data.length === grad.size) return grad.data;
  return grad.toFloat32Array();
}

function positive(name: string, value: number | undefined, optimizer: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new VerboError(`${optimizer}: ${name} must be a positive number, got ${value}`);
  }
}

function fraction(name: string, value: number, optimizer: string): void {
  if (!(value >= 0 && value < 1))
    throw new VerboError(`${optimizer}: ${name} must be in [0, 1), got ${value}`);
}

/** Scales the gradients so that their global L2 norm is at most maxNorm; returns the norm before. */
export function clipByGlobalNorm(grads: readonly Float32Array[], maxNorm: number): number {
  let total = 0;
  for (const g of grads) total += sumOfSquares(g);
  const norm = Math.sqrt(total);
  if (norm > maxNorm) for (const g of grads) scaleInPlace(g, maxNorm / (norm + 1e-6));
  return norm;
}

/** Clips every gradient entry to [−limit, limit] in place. */
export function clipByValue(grads: readonly Float32Array[], limit: number): void {
  for (const g of grads) clipInPlace(g, limit);
}

export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: number | LearningRateSchedule;
  clipNorm: number | undefined;
  clipValue: number | undefined;
  /** See OptimizerOptions.recycleGradients. */
  recycleGradients: boolean;
  /** Whether update() depends on the gradient only through lr·g (so a gradient scale can go into lr). */
  protected readonly updateIsLinearInGradient: boolean = false;
  /** Number of updates applied so far (Keras `iterations`). */
  iterations = 0;
  /** The global gradient norm of the last step (before clipping). */
  lastGradientNorm = 0;
  protected readonly state = new Map<Tensor, Float32Array[]>();

  constructor(options: OptimizerOptions, defaultLearningRate: number) {
    this.learningRate = options.learningRate ?? defaultLearningRate;
    if (typeof this.learningRate === 'number')
      positive('learningRate', this.learningRate, this.constructor.name);
    positive('clipNorm', options.clipNorm, this.constructor.name);
    positive('clipValue', options.clipValue, this.constructor.name);
    this.clipNorm = options.clipNorm;
    this.clipValue = options.clipValue;
    this.recycleGradients = options.recycleGradients ?? false;
  }

  /** The learning rate for the next update. */
  currentLearningRate(): number {
    return typeof this.learningRate === 'number' ? this.learningRate : this.learningRate(this.iterations);
  }

  /** One update of every parameter that has a gradient; clears the gradients. */
  step(params: readonly Tensor[]): void {
    const live: Tensor[] = [];
    const grads: Float32Array[] = [];
    for (const param of params) {
      const grad = gradientData(param);
      if (grad === null) continue;
      live.push(param);
      grads.push(grad);
    }
    let total = 0;
    for (const g of grads) total += sumOfSquares(g);
    this.lastGradientNorm = Math.sqrt(total);
    if (!Number.isFinite(this.lastGradientNorm)) {
      throw new VerboError(
        `${this.className}: a gradient is NaN or infinite (global norm ${this.lastGradientNorm}); the parameters were not updated. ` +
          'Lower the learning rate, clip gradients (clipNorm), or check the inputs for NaN',
      );
    }
    // The clip factor multiplies every gradient. Where the update is linear in lr·g (SGD, with or
    // without momentum) it is folded into the learning rate instead of a pass over the gradients.
    let gradientScale = 1;
    if (this.clipNorm !== undefined && this.lastGradientNorm > this.clipNorm) {
      gradientScale = this.clipNorm / (this.lastGradientNorm + 1e-6);
      if (!this.updateIsLinearInGradient || this.clipValue !== undefined) {
        for (const g of grads) scaleInPlace(g, gradientScale);
        gradientScale = 1;
      }
    }
    if (this.clipValue !== undefined) clipByValue(grads, this.clipValue);
    const learningRate = this.currentLearningRate() * gradientScale;
    this.iterations++;
    live.forEach((param, i) => {
      if (!(param.isContiguous && param.offset === 0)) {
        throw new VerboError(
          `${this.className}: parameters must be contiguous tensors (got ${param.toString()})`,
        );
      }
      let slots = this.state.get(param);
      if (slots === undefined) {
        slots = this.createSlots(param.size);
        this.state.set(param, slots);
      }
      this.update(param.data.subarray(0, param.size), grads[i]!, slots, learningRate);
      if (this.recycleGradients) recycleGradient(param, grads[i]!);
      param.grad = null;
    });
  }

  /**
   * The state arrays kept per parameter (momentum, Adam's moments; Keras `optimizer.variables`), in the
   * order of `params`: an empty list for a parameter not updated yet. Copies.
   */
  getSlots(params: readonly Tensor[]): Float32Array[][] {
    return params.map((p) => (this.state.get(p) ?? []).map((slot) => slot.slice()));
  }

  /** Puts back state arrays read by getSlots (same parameters, same order) — resuming a checkpoint. */
  setSlots(params: readonly Tensor[], slots: readonly (readonly Float32Array[])[]): void {
    if (slots.length !== params.length) {
      throw new VerboError(
        `${this.className}.setSlots: ${slots.length} slot lists for ${params.length} parameters`,
      );
    }
    params.forEach((p, i) => {
      const given = slots[i]!;
      if (given.length === 0) {
        this.state.delete(p);
        return;
      }
      const expected = this.createSlots(p.size).length;
      if (given.length !== expected || given.some((slot) => slot.length !== p.size)) {
        throw new VerboError(
          `${this.className}.setSlots: parameter ${i} needs ${expected} arrays of ${p.size} values, got ${given.length} of ${given.map((s) => s.length).join(', ')}`,
        );
      }
      this.state.set(
        p,
        given.map((slot) => Float32Array.from(slot)),
      );
    });
  }

  /** Clears every parameter's gradient without updating. */
  zeroGrad(params: readonly Tensor[]): void {
    for (const p of params) p.grad = null;
  }

  protected abstract createSlots(size: number): Float32Array[];
  protected abstract update(
    param: Float32Array,
    grad: Float32Array,
    slots: Float32Array[],
    learningRate: number,
  ): void;
  /** The options that rebuild this optimizer. */
  abstract getConfig(): Record<string, unknown>;

  protected baseConfig(): Record<string, unknown> {
    return {
      learningRate:
        typeof this.learningRate === 'number' ? this.learningRate : (this.learningRate.config ?? 'schedule'),
      ...(this.clipNorm !== undefined ? { clipNorm: this.clipNorm } : {}),
      ...(this.clipValue !== undefined ? { clipValue: this.clipValue } : {}),
    };
  }
}

export interface SGDOptions extends OptimizerOptions {
  /** μ (default 0: plain gradient descent). */
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly className = 'SGD';
  protected override readonly updateIsLinearInGradient = true;
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(options: SGDOptions = {}) {
    super(options, 0.01);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    fraction('momentum', this.momentum, 'sgd');
  }
  protected createSlots(size: number): Float32Array[] {
    return this.momentum > 0 ? [new Float32Array(size)] : [];
  }
  protected update(
    param: Float32Array,
    grad: Float32Array,
    slots: Float32Array[],
    learningRate: number,
  ): void {
    if (this.momentum > 0) momentumUpdate(param, grad, slots[0]!, learningRate, this.momentum, this.nesterov);
    else sgdUpdate(param, grad, learningRate);
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface AdagradOptions extends OptimizerOptions {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(options: AdagradOptions = {}) {
    super(options, 0.001);
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-7;
  }
  protected createSlots(size: number): Float32Array[] {
    return [new Float32Array(size).fill(this.initialAccumulatorValue)];
  }
  protected update(
    param: Float32Array,
    grad: Float32Array,
    slots: Float32Array[],
    learningRate: number,
  ): void {
    adagradUpdate(param, grad, slots[0]!, learningRate, this.epsilon);
  }
  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      initialAccumulatorValue: this.initialAccumulatorValue,
      epsilon: this.epsilon,
    };
  }
}

export interface RMSpropOptions extends OptimizerOptions {
  rho?: number;
  epsilon?: number;
}

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly epsilon: number;
  constructor(options: RMSpropOptions = {}) {
    super(options, 0.001);
    this.rho = options.rho ?? 0.9;
    this.epsilon = options.epsilon ?? 1e-7;
    fraction('rho', this.rho, 'rmsprop');
  }
  protected createSlots(size: number): Float32Array[] {
    return [new Float32Array(size)];
  }
  protected update(
    param: Float32Array,
    grad: Float32Array,
    slots: Float32Array[],
    learningRate: number,
  ): void {
    rmspropUpdate(param, grad, slots[0]!, learningRate, this.rho, this.epsilon);
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected weightDecay = 0;
  constructor(options: AdamOptions = {}) {
    super(options, 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    fraction('beta1', this.beta1, 'adam');
    fraction('beta2', this.beta2, 'adam');
  }
  protected createSlots(size: number): Float32Array[] {
    return [new Float32Array(size), new Float32Array(size)];
  }
  protected update(
    param: Float32Array,
    grad: Float32Array,
    slots: Float32Array[],
    learningRate: number,
  ): void {
    // `iterations` was already incremented: this is update number t = iterations (1-based).
    adamUpdate(
      param,
      grad,
      slots[0]!,
      slots[1]!,
      learningRate,
      this.beta1,
      this.beta2,
      this.epsilon,
      this.iterations,
      this.weightDecay,
    );
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export interface AdamWOptions extends AdamOptions {
  /** λ of the decoupled decay (default 0.004, as Keras). */
  weightDecay?: number;
}

export class AdamW extends Adam {
  override readonly className = 'AdamW';
  constructor(options: AdamWOptions = {}) {
    super(options);
    this.weightDecay = options.weightDecay ?? 0.004;
    if (!(this.weightDecay >= 0))
      throw new VerboError(`adamw: weightDecay must be ≥ 0, got ${this.weightDecay}`);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

export const sgd = (options: SGDOptions = {}): SGD => new SGD(options);
export const adagrad = (options: AdagradOptions = {}): Adagrad => new Adagrad(options);
export const rmsprop = (options: RMSpropOptions = {}): RMSprop => new RMSprop(options);
export const adam = (options: AdamOptions = {}): Adam => new Adam(options);
export const adamw = (options: AdamWOptions = {}): AdamW => new AdamW(options);

/** Optimizer names: Keras' strings in any case ('adam', 'Adam', 'SGD', 'RMSprop'); 'momentum' is SGD with μ 0.9. */
export type OptimizerName =
  | 'sgd'
  | 'SGD'
  | 'momentum'
  | 'adagrad'
  | 'Adagrad'
  | 'rmsprop'
  | 'RMSprop'
  | 'adam'
  | 'Adam'
  | 'adamw'
  | 'AdamW';

/** An optimizer by Keras string name (default settings) or the object itself. */
export function getOptimizer(optimizer: OptimizerName | Optimizer): Optimizer {
  if (optimizer instanceof Optimizer) return optimizer;
  switch (typeof optimizer === 'string' ? nameKey(optimizer) : '') {
    case 'sgd':
      return new SGD();
    case 'momentum':
      return new SGD({ momentum: 0.9 });
    case 'adagrad':
      return new Adagrad();
    case 'rmsprop':
      return new RMSprop();
    case 'adam':
      return new Adam();
    case 'adamw':
      return new AdamW();
    default:
      throw new VerboError(
        `unknown optimizer '${String(optimizer)}'; use one of sgd, momentum, adagrad, rmsprop, adam, adamw or an optimizer object`,
      );
  }
}

// ---- learning-rate schedules ---------------------------------------------------------------------

function schedule(fn: (step: number) => number, config: Record<string, unknown>): LearningRateSchedule {
  const s = fn as LearningRateSchedule;
  s.config = config;
  return s;
}

/** lr = initial · factor^⌊step / dropEvery⌋ (step decay). */
export function stepDecay(options: {
  initialLearningRate: number;
  dropEvery: number;
  factor: number;
}): LearningRateSchedule {
  const { initialLearningRate, dropEvery, factor } = options;
  positive('dropEvery', dropEvery, 'stepDecay');
  return schedule((step) => initialLearningRate * factor ** Math.floor(step / dropEvery), {
    kind: 'stepDecay',
    ...options,
  });
}

/** lr = initial · rate^(step / decaySteps), the exponent floored when staircase (Keras ExponentialDecay). */
export function exponentialDecay(options: {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}): LearningRateSchedule {
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = options;
  positive('decaySteps', decaySteps, 'exponentialDecay');
  return schedule(
    (step) => {
      const p = step / decaySteps;
      return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
    },
    { kind: 'exponentialDecay', ...options },
  );
}

/** Linear from initial to final over decaySteps, then constant at final (Keras PolynomialDecay, power 1). */
export function linearDecay(options: {
  initialLearningRate: number;
  finalLearningRate?: number;
  decaySteps: number;
}): LearningRateSchedule {
  const { initialLearningRate, finalLearningRate = 0, decaySteps } = options;
  positive('decaySteps', decaySteps, 'linearDecay');
  return schedule(
    (step) => {
      const t = Math.min(step, decaySteps) / decaySteps;
      return initialLearningRate + (finalLearningRate - initialLearningRate) * t;
    },
    { kind: 'linearDecay', ...options },
  );
}
