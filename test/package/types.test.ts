// The package's type declarations as a TypeScript user meets them: a small consumer project that imports
// 'verbo' (node_modules/verbo → this package) WITHOUT @types/node (`"types": []`), checks every
// declaration file it reaches (`skipLibCheck: false`), and compiles the README's library snippets exactly
// as written (one module, their imports merged). Runs `tsc` on dist/*.d.ts (test/global-setup.ts
// rebuilds dist when src is newer).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/util/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'verbo-consumer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ```js blocks of the README's "The library" section. */
function librarySnippets(readme: string): string[] {
  const start = readme.indexOf('\n## The library');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The snippets as one module: their `import { … } from 'verbo'` lines merged into one. */
function snippetModule(snippets: string[]): string {
  const names = new Set<string>();
  const bodies = snippets.map((snippet) =>
    snippet
      .split('\n')
      .filter((line) => {
        const imported = /^import \{ (.+) \} from 'verbo';$/.exec(line);
        if (imported === null) return true;
        for (const name of imported[1]!.split(',')) names.add(name.trim());
        return false;
      })
      .join('\n'),
  );
  return `import { ${[...names].join(', ')} } from 'verbo';\n${bodies.join('\n')}\nexport {};\n`;
}

function compile(files: Record<string, string>): { status: number | null; output: string } {
  const project = mkdtempSync(join(dir, 'project-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(packagePath(), join(project, 'node_modules', 'verbo'), 'dir');
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "type": "module", "private": true }\n');
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: Object.keys(files),
    }),
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text);
  const tsc = packagePath('node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the type declarations in a project without @types/node', () => {
  it('finds the built declarations', () => {
    expect(existsSync(packagePath('dist', 'index.d.ts'))).toBe(true);
  });

  it('type-checks every declaration the package exposes', () => {
    const result = compile({
      'index.ts': [
        "import * as verbo from 'verbo';",
        "import { web, nn, tensor } from 'verbo';",
        'export type Api = typeof verbo;',
        'export type Web = typeof web;',
        'export type Nn = typeof nn;',
        'export type Tensor = typeof tensor;',
        '',
      ].join('\n'),
    });
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  it('compiles the README’s library snippets as written', () => {
    const snippets = librarySnippets(readFileSync(packagePath('README.md'), 'utf8'));
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    expect(snippets.some((s) => s.includes('trainLanguageModel'))).toBe(true);
    const result = compile({ 'readme.ts': snippetModule(snippets) });
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
