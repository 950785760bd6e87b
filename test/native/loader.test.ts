// The loader (src/native/index.ts) and the dispatch (native/dispatch.cc): VERBO_ISA lowers the kernel
// table, VERBO_NATIVE=0 turns the addon off, an unknown VERBO_ISA is refused with a clear message, and
// each ISA's static library defines symbols only inside its own namespace (no inline function compiled
// for AVX-512 can be shared with the portable code).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addonPath } from '../../src/native/index.js';
import { packagePath } from '../../src/util/paths.js';

const disabled = process.env.VERBO_NATIVE === '0';
if (disabled)
  console.warn('SKIPPING native loader tests: VERBO_NATIVE=0 (the TypeScript loops are tested instead)');
const saved = { isa: process.env.VERBO_ISA, native: process.env.VERBO_NATIVE };

function restore(name: 'VERBO_ISA' | 'VERBO_NATIVE', value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** A fresh copy of the loader module (its state is per module instance). */
async function freshLoader() {
  vi.resetModules();
  return import('../../src/native/index.js');
}

afterEach(() => {
  restore('VERBO_ISA', saved.isa);
  restore('VERBO_NATIVE', saved.native);
});

/** The ISA the addon picks in a fresh process with this environment. */
function isaInChild(env: Record<string, string>): string {
  const run = spawnSync(
    process.execPath,
    ['-e', `process.stdout.write(require(${JSON.stringify(addonPath())}).info().isa)`],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('native loader', () => {
  it('VERBO_NATIVE=0 gives the TypeScript path, and says why', async () => {
    process.env.VERBO_NATIVE = '0';
    const loader = await freshLoader();
    expect(loader.nativeKernels()).toBeNull();
    expect(loader.nativeStatus()).toMatchObject({ path: 'typescript', reason: 'VERBO_NATIVE=0' });
  });

  it('refuses an unknown VERBO_ISA with the accepted names', async () => {
    process.env.VERBO_ISA = 'sse9';
    const loader = await freshLoader();
    expect(() => loader.nativeKernels()).toThrow(
      /VERBO_ISA must be one of avx512, avx2, neon, portable.*'sse9'/,
    );
  });

  it.skipIf(disabled)('VERBO_ISA names a ceiling: the best table at or below it', async () => {
    delete process.env.VERBO_ISA;
    const loader = await freshLoader();
    const status = loader.nativeStatus();
    expect(status.path).toBe('native');
    const supported = status.supported!;
    expect(isaInChild({ VERBO_ISA: 'portable' })).toBe('portable');
    expect(isaInChild({ VERBO_ISA: 'avx2' })).toBe(supported.includes('avx2') ? 'avx2' : 'portable');
    expect(isaInChild({ VERBO_ISA: 'avx512' })).toBe(supported[0]);
    expect(isaInChild({})).toBe(supported[0]);
  });

  it.skipIf(disabled)('each ISA library defines symbols only in its own namespace', () => {
    const nm = spawnSync('nm', ['--version'], { encoding: 'utf8' });
    if (nm.status !== 0) throw new Error('nm (binutils) is needed to check the ISA libraries');
    for (const isa of ['avx512', 'avx2', 'neon', 'portable']) {
      const library = packagePath('build', 'Release', `verbo_${isa}.a`);
      if (!existsSync(library)) continue;
      const symbols = spawnSync('nm', ['-C', '--defined-only', library], { encoding: 'utf8' }).stdout;
      expect(symbols).toContain(`verbo::${isa}::table()`);
      // Local symbols (lower case) may be anything; global and weak ones must be ours.
      const outside = symbols
        .split('\n')
        .filter((line) => / [TWVDRB] /.test(line))
        .map((line) => line.replace(/^[0-9a-f]+ [A-Z] /, ''))
        .filter((name) => !new RegExp(`^(\\S+ )?verbo::${isa}::`).test(name));
      expect(outside, `${library} exports symbols outside verbo::${isa}`).toEqual([]);
    }
  });
});
