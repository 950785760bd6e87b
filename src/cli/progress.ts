// Draws progress for long jobs from the library's progress events: a bar on a TTY (cli-progress),
// one plain line every few seconds otherwise (logs, CI). Always on stderr, so stdout stays clean.
import cliProgress from 'cli-progress';

export interface ProgressView {
  /** Updates the fraction done (0..1) and the fields shown after the bar, e.g. { loss: '2.31', rate: '410k w/s' }. */
  update(fraction: number, fields: Record<string, string>): void;
  /** Ends the bar (on a TTY); safe to call more than once. */
  stop(): void;
}

export function createProgress(
  label: string,
  options: { quiet?: boolean; intervalMs?: number } = {},
): ProgressView {
  if (options.quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {info}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { info: '' });
    return {
      update(fraction, fields) {
        bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { info: formatFields(fields) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const interval = options.intervalMs ?? 5000;
  // Plain mode: a line every `interval` ms; nothing at stop, since the command prints its own summary.
  let last = 0;
  return {
    update(fraction, fields) {
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        process.stderr.write(`${label} ${(fraction * 100).toFixed(1)}% ${formatFields(fields)}\n`);
      }
    },
    stop() {},
  };
}

function formatFields(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key} ${value}`)
    .join(' | ');
}

/**
 * A training curve of at most about `limit` points whatever the length of the run: every point is
 * offered, and when the curve is full every other point is dropped and only every second later one
 * is kept (the stride doubles), so the points stay evenly spread from start to end.
 */
export class CurveRecorder {
  readonly points: [number, number][] = [];
  private stride = 1;
  private offered = 0;

  constructor(private readonly limit = 500) {}

  add(x: number, y: number): void {
    if (!Number.isFinite(y)) return;
    if (this.offered++ % this.stride !== 0) return;
    this.points.push([x, Number(y.toPrecision(6))]);
    if (this.points.length >= this.limit) {
      const kept = this.points.filter((_, i) => i % 2 === 0);
      this.points.splice(0, this.points.length, ...kept);
      this.stride *= 2;
    }
  }
}
