// Helpers of the fault suite: the CLI as a child process (run to the end, or killed with SIGKILL when a
// condition on the disk holds), a digest of every file under a folder, a small corpus, and a small tmpfs
// (root only) for full- and read-only-disk runs.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/util/paths.js';
import { Random } from '../../src/util/random.js';

export const cli = packagePath('dist', 'cli', 'main.js');

/** Whether dist/ holds the CLI; the suites that spawn it fail loudly without it (see requireCli). */
export const cliBuilt = existsSync(cli);

export function requireCli(file: string): void {
  if (!cliBuilt) throw new Error(`${file}: ${cli} is missing; run \`npm run build\` first.`);
}

/** Runs `verbo ARGS` to the end. */
export function verbo(args: string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, timeout: 120_000 });
}

export interface Killed {
  /** 'SIGKILL' when the kill ended it; null when it ended by itself first (the test then says so). */
  signal: NodeJS.Signals | null;
  status: number | null;
  stderr: string;
}

/**
 * Starts `verbo ARGS`, polls `ready()` every few milliseconds and, once it holds, runs `beforeKill`
 * (a seeded pause, a second writer …) and kills the process with SIGKILL (kill -9: no handler runs,
 * nothing is cleaned up).
 */
export function killWhen(
  args: string[],
  ready: () => boolean,
  beforeKill: () => Promise<void> | void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Killed> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let fired = false;
    const timer = setInterval(() => {
      if (fired || !ready()) return;
      fired = true;
      clearInterval(timer);
      Promise.resolve(beforeKill()).then(
        () => child.kill('SIGKILL'),
        (error: unknown) => {
          child.kill('SIGKILL');
          reject(error);
        },
      );
    }, 5);
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolvePromise({ signal, status, stderr });
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The JSON of `path`, or undefined while it is missing or being replaced. */
export function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** sha256 of every file under `dir`, by relative path ('/'-separated); {} for a missing folder. */
export function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(name);
      else
        out[name] = createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex');
    }
  };
  if (existsSync(dir)) walk('');
  return out;
}

/** What a writer may leave beside a model folder `name` inside `parent` (staging, swapped-out, lock). */
export function besides(parent: string, name: string): string[] {
  return readdirSync(parent).filter((entry) => entry.startsWith(`${name}.`));
}

/** `lines` seeded lines of words drawn from four clusters ('a0'…'d39'), 8–15 words each. */
export function clusterText(seed: number, lines: number): string {
  const random = new Random(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const prefix = 'abcd'[random.int(4)]!;
    const length = 8 + random.int(8);
    out.push(Array.from({ length }, () => `${prefix}${random.int(40)}`).join(' '));
  }
  return `${out.join('\n')}\n`;
}

export interface SmallDisk {
  path: string;
  /** Remounts it read-only (EROFS) or back read-write. */
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `kib` KiB on a new temporary folder: only root can, so elsewhere this returns the
 * reason it cannot (the caller skips loudly).
 */
export function mountSmallDisk(kib: number): SmallDisk | string {
  if (process.platform !== 'linux') return 'a tmpfs mount needs Linux';
  if (process.getuid?.() !== 0)
    return 'mounting a small tmpfs needs root (run the suite as root to test a full disk)';
  const path = mkdtempSync(join(tmpdir(), 'verbo-fault-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', path], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    rmdirSync(path);
    return `mount -t tmpfs failed (${(mounted.stderr || String(mounted.error)).trim()})`;
  }
  return {
    path,
    remount(mode) {
      const result = spawnSync('mount', ['-o', `remount,${mode}`, path], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`remount ${mode} failed: ${result.stderr}`);
    },
    unmount() {
      spawnSync('umount', [path]);
      rmdirSync(path);
    },
  };
}
