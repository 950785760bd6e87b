// Runs once before the test files: builds the native addon when a native source is newer than
// build/Release/verbo.node (make rebuilds only what changed), so a test run after an edit of native/
// tests that edit. A failed build fails the run with the compiler's output: tests never skip the native
// path silently. VERBO_NATIVE=0 (the fallback run of `npm test`) needs no addon and builds nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  if (process.env.VERBO_NATIVE === '0') return;
  const script = join(import.meta.dirname, '..', 'scripts', 'build-native.mjs');
  const run = spawnSync(process.execPath, [script, '--strict'], { stdio: 'inherit' });
  if (run.status !== 0) {
    throw new Error(
      'the native addon failed to build (output above). Fix the build, or run `VERBO_NATIVE=0 npx vitest run` ' +
        'to test the TypeScript loops alone.',
    );
  }
}
