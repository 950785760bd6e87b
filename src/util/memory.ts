// Memory bounds: a size asked for (a flag, a request field, a file header) is turned into the bytes it
// would allocate and checked before anything is allocated, so that a too-large request is one clear
// TOO_LARGE line instead of a crash deep inside an allocation ("internal error: Array buffer allocation
// failed") or minutes of swapping.
import { constants } from 'node:buffer';
import { totalmem } from 'node:os';
import { VerboError } from './errors.js';

/** The largest single typed array this Node can allocate, in bytes. */
export const MAX_ARRAY_BYTES = constants.MAX_LENGTH;

/** Bytes a run may plan to use in all: the machine's memory (the operating system and others need some). */
export function memoryBudgetBytes(): number {
  return Math.floor(totalmem() * 0.8);
}

/** "1.50 GiB", "12.0 MiB", "3 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  if (bytes >= 2 ** 40) return `${(bytes / 2 ** 40).toFixed(2)} TiB`;
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Refuses a plan of `totalBytes` in all, whose largest single array is `largestArrayBytes`, when it
 * exceeds the machine's memory or what one array can hold. `what` names the plan ("a language model of
 * 3 layers × 100000 units"), `advice` says what to lower.
 */
export function checkMemory(
  what: string,
  totalBytes: number,
  largestArrayBytes: number,
  advice: string,
): void {
  const budget = memoryBudgetBytes();
  if (!(totalBytes <= budget)) {
    throw new VerboError(
      `${what} needs about ${formatBytes(totalBytes)}, more than this machine's ${formatBytes(budget)}; ${advice}.`,
      'TOO_LARGE',
    );
  }
  if (!(largestArrayBytes <= MAX_ARRAY_BYTES)) {
    throw new VerboError(
      `${what} needs one array of ${formatBytes(largestArrayBytes)}, more than the ${formatBytes(MAX_ARRAY_BYTES)} an array can hold; ${advice}.`,
      'TOO_LARGE',
    );
  }
}
