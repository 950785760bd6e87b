// What every worked example takes and returns.
import type { Callback, History } from '../callbacks.js';

export interface ExampleOptions {
  /** Seed for data, initial weights and shuffling (default 1). */
  seed?: number;
  /** Override the number of epochs (for quick runs). */
  epochs?: number;
  /** Progress callbacks, passed to fit. */
  callbacks?: Callback[];
}

export interface ExampleResult {
  /** The headline numbers (accuracy, final loss, …). */
  summary: Record<string, number>;
  /** The accuracy the example promises with the default settings. */
  statedAccuracy: number;
  history?: History;
  /** Anything else worth printing (curves per optimizer, a report, the model summary). */
  details: Record<string, unknown>;
}
