// The one place the library prints: Keras-style progress of fit / evaluate (`verbose`) and
// model.summary(). Everything goes through ONE replaceable logger (standard output by default), so a
// program, a test or a web page can redirect or silence it with setLogger; every other stage returns
// data and never prints.
//
// ProgbarLogger is Keras' callback of the same name: per epoch an `Epoch 3/10` line, then the batch
// counter, bar, time per step and the running means (loss first, then the metrics, then val_*):
//   Epoch 3/10
//   32/32 [==============================] - 0s 2ms/step - loss: 0.6893 - accuracy: 0.5292 - val_loss: 0.6801
// verbose 1 redraws the bar in place on a terminal (and writes only the final line elsewhere);
// verbose 2 writes one line per epoch without the bar, as Keras does.
import { VerboError } from '../util/errors.js';
import type { Callback, Logs } from './callbacks.js';

export interface Logger {
  /** Writes text as it is (no newline added). */
  write(text: string): void;
  /** Whether the output is a terminal: bars are redrawn in place ('\r') only then. */
  readonly interactive?: boolean;
}

/** Keras' verbose: 0 silent, 1 progress bar, 2 one line per epoch, 'auto' = 1. */
export type Verbose = 0 | 1 | 2 | 'auto';

const standardOutput: Logger = {
  write: (text) => {
    process.stdout.write(text);
  },
  get interactive() {
    return process.stdout.isTTY === true;
  },
};

/** A logger that drops everything (e.g. `setLogger(silentLogger)` in a test or a server). */
export const silentLogger: Logger = { write: () => {} };

let current: Logger = standardOutput;

/** Replaces the logger of fit / evaluate / summary (null: standard output again); returns the previous one. */
export function setLogger(logger: Logger | null): Logger {
  const previous = current;
  current = logger ?? standardOutput;
  return previous;
}

/** The logger in use. */
export function getLogger(): Logger {
  return current;
}

/** 'auto' → 1; checks the value. */
export function resolveVerbose(verbose: Verbose | undefined, what: string): 0 | 1 | 2 {
  const value = verbose ?? 'auto';
  if (value === 'auto') return 1;
  if (value !== 0 && value !== 1 && value !== 2) {
    throw new VerboError(`${what}: verbose must be 0, 1, 2 or 'auto', got ${String(value)}`);
  }
  return value;
}

/** A log value as Keras prints it: 4 decimals, or 4 significant digits in exponent form when tiny. */
export function formatLogValue(value: number): string {
  return Math.abs(value) > 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(4);
}

/** `loss: 0.6893 - accuracy: 0.5292` (the order of the logs, batch/size left out). */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .filter(([key]) => key !== 'batch' && key !== 'size')
    .map(([key, value]) => `${key}: ${formatLogValue(value)}`)
    .join(' - ');
}

function formatDuration(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms`;
  return `${Math.round(seconds * 1e6)}us`;
}

export interface ProgbarOptions {
  verbose: 1 | 2;
  /** Batches per epoch. */
  steps: number;
  /** The last epoch number (1-based) for the `Epoch e/N` header; omit for evaluate (no header). */
  epochs?: number;
  logger?: Logger;
}

const BAR_WIDTH = 30;

/** Keras' progress callback (fit adds it last when verbose is 1 or 2; evaluate uses it too). */
export class ProgbarLogger implements Callback {
  private readonly options: ProgbarOptions;
  private readonly logger: Logger;
  private start = 0;
  private lastDraw = 0;
  private sums: Record<string, number> = {};
  private seen = 0;
  private done = 0;
  /** Length of the line on screen (interactive redraws). */
  private drawn = 0;

  constructor(options: ProgbarOptions) {
    this.options = options;
    this.logger = options.logger ?? getLogger();
  }

  onEpochBegin(epoch: number): void {
    if (this.options.epochs !== undefined) this.logger.write(`Epoch ${epoch + 1}/${this.options.epochs}\n`);
    this.begin();
  }

  /** Sets the number of batches per pass (evaluate knows it once the data is checked). */
  setSteps(steps: number): void {
    this.options.steps = steps;
  }

  /** Starts a pass (evaluate calls this instead of onEpochBegin). */
  begin(): void {
    this.start = performance.now();
    this.lastDraw = 0;
    this.sums = {};
    this.seen = 0;
    this.done = 0;
  }

  onBatchEnd(_batch: number, logs: Logs): void {
    const size = logs.size ?? 1;
    for (const [key, value] of Object.entries(logs)) {
      if (key === 'batch' || key === 'size') continue;
      this.sums[key] = (this.sums[key] ?? 0) + value * size;
    }
    this.seen += size;
    this.done++;
    if (this.options.verbose !== 1 || !this.logger.interactive || this.done >= this.options.steps) return;
    const now = performance.now();
    if (now - this.lastDraw < 50 && this.done > 1) return;
    this.lastDraw = now;
    const running: Logs = {};
    for (const [key, value] of Object.entries(this.sums)) running[key] = value / Math.max(1, this.seen);
    this.draw(this.line(running, false));
  }

  /** Redraws the line in place, blanking what is left of a longer previous one. */
  private draw(line: string): void {
    this.logger.write(`\r${line.padEnd(this.drawn)}`);
    this.drawn = line.length;
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    this.end(logs);
  }

  /** Writes the final line of a pass with the pass's logs. */
  end(logs: Logs): void {
    const line = this.line(logs, true);
    if (this.options.verbose === 1 && this.logger.interactive) this.draw(line);
    else this.logger.write(line);
    this.logger.write('\n');
    this.drawn = 0;
  }

  private line(logs: Logs, final: boolean): string {
    const { steps, verbose } = this.options;
    const done = final ? steps : this.done;
    const seconds = (performance.now() - this.start) / 1000;
    const counter = `${String(done).padStart(String(steps).length)}/${steps}`;
    const values = formatLogs(logs);
    const tail = values === '' ? '' : ` - ${values}`;
    const perStep = `${formatDuration(seconds / Math.max(1, done))}/step`;
    if (verbose === 2) return `${counter} - ${formatDuration(seconds)} - ${perStep}${tail}`;
    const filled = Math.floor((BAR_WIDTH * done) / Math.max(1, steps));
    const bar =
      done >= steps
        ? '='.repeat(BAR_WIDTH)
        : `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(BAR_WIDTH - Math.max(1, filled))}`;
    const time = final
      ? `${formatDuration(seconds)} ${perStep}`
      : `ETA: ${formatDuration((seconds / Math.max(1, done)) * (steps - done))}`;
    return `${counter} [${bar}] - ${time}${tail}`;
  }
}
