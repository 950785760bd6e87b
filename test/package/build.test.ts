// Tests exercise src: test/global-setup.ts rebuilds dist/ before the run when a source is newer, so the
// CLI and worker scripts the tests spawn are the source's. After the setup, nothing in src is newer than
// its build, and no test decides to skip on whether dist/ exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/util/paths.js';
import { staleTypeScript } from '../global-setup.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? testFiles(join(dir, entry.name))
      : entry.name.endsWith('.test.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('the build the tests run', () => {
  it('is current: every src/**/*.ts has a dist/**/*.js at least as new', () => {
    expect(staleTypeScript()).toBeUndefined();
  });

  it('is never a reason to skip', () => {
    const skipping = testFiles(packagePath('test')).filter((file) =>
      /skipIf\(!built\b|if \(!built\) return/.test(readFileSync(file, 'utf8')),
    );
    expect(skipping).toEqual([]);
  });
});
