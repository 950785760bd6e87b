import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/util/paths.js';

const cli = packagePath('dist', 'cli', 'main.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

describe('verbo CLI', () => {
  it('prints help with exit code 0', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: verbo');
  });

  it('rejects an unknown command or flag with one line and exit code 1', () => {
    for (const args of [['no-such-command'], ['--no-such-flag']]) {
      const result = run(args);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^verbo: .*(unknown|too many arguments)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
