// The public API as issue 17.5 asks for it: src/index.ts names each export (namespaces only for tensor,
// nn and web, whose own index files name theirs), internals stay out of the root, every public name is
// declared once across the flat stages, and src/cli and src/web reach other stages only through their
// index files.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as verbo from '../../src/index.js';
import { packagePath } from '../../src/util/paths.js';

const src = packagePath('src');
const NAMESPACES = ['tensor', 'nn', 'web'];
/** The stages whose exports meet in one flat scope (the root, and the CLI's imports). */
const FLAT_STAGES = ['util', 'text', 'vocab', 'embeddings', 'search', 'seq'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? tsFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('the root export list', () => {
  const root = readFileSync(join(src, 'index.ts'), 'utf8');

  it('names every export; `export * as` only for the three namespaces', () => {
    expect(root).not.toMatch(/export \* from/);
    const namespaces = [...root.matchAll(/export \* as (\w+) from '\.\/(\w+)\/index\.js'/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(namespaces).toEqual(NAMESPACES.map((name) => [name, name]));
    for (const name of NAMESPACES) {
      const index = readFileSync(join(src, name, 'index.ts'), 'utf8');
      expect(index, `src/${name}/index.ts`).not.toMatch(/export \*/);
    }
  });

  it('keeps the stages’ internals out', () => {
    for (const internal of [
      'memoize',
      'globToRegExp',
      'resolveInputs',
      'softmax64',
      'topIndices',
      'getWindow',
    ]) {
      expect(internal in verbo, internal).toBe(false);
    }
  });

  it('exports each stage’s entry points', () => {
    for (const name of [
      'createPipeline',
      'openCorpus',
      'Vocabulary',
      'trainWord2Vec',
      'KeyedVectors',
      'loadModel',
      'createIndex',
      'LanguageModel',
      'trainLanguageModel',
      'VerboError',
      'Random',
    ]) {
      expect(typeof (verbo as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof verbo.tensor.matmul).toBe('function');
    expect(typeof verbo.nn.dense).toBe('function');
    expect(typeof verbo.web.loadWebApp).toBe('function');
  });
});

describe('one declaration per public name', () => {
  it('no name is declared twice among the flat stages and the root', () => {
    const files = [...FLAT_STAGES.map((stage) => join(src, stage, 'index.ts')), join(src, 'index.ts')];
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
    });
    const checker = program.getTypeChecker();
    const declared = new Map<string, Set<string>>();
    for (const file of files) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
      expect(module, file).toBeDefined();
      for (const exported of checker.getExportsOfModule(module!)) {
        if (NAMESPACES.includes(exported.name)) continue;
        const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const declaration = target.declarations?.[0];
        if (declaration === undefined) continue;
        const where = relative(src, declaration.getSourceFile().fileName);
        const places = declared.get(exported.name) ?? new Set<string>();
        places.add(where);
        declared.set(exported.name, places);
      }
    }
    const twice = [...declared]
      .filter(([, places]) => places.size > 1)
      .map(([name, places]) => `${name}: ${[...places].join(', ')}`);
    expect(twice).toEqual([]);
    expect(declared.get('Neighbor')).toEqual(new Set(['search/types.ts']));
  }, 60_000);
});

describe('src/cli and src/web import other stages through their index files', () => {
  it.each(['cli', 'web'])('src/%s', (stage) => {
    const deep: string[] = [];
    for (const file of tsFiles(join(src, stage))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import\()\s*'((?:\.\.\/)+[^']+)'/g)) {
        const target = relative(src, join(file, '..', match[1]!));
        const [targetStage, ...rest] = target.split('/');
        if (targetStage === stage) continue;
        if (rest.join('/') !== 'index.js') deep.push(`${relative(src, file)} → ${target}`);
      }
    }
    expect(deep).toEqual([]);
  });
});
