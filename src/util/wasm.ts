// Loads the WebAssembly kernels built by scripts/build-wasm.mjs from src/**/*.as.ts.
// Modules are compiled once per process and cached; instances are made by the caller, so each
// kernel file decides whether it owns its memory or imports a (shared) one.
import { existsSync, readFileSync } from 'node:fs';
import { packagePath } from './paths.js';
import { VerboError } from './errors.js';

const modules = new Map<string, WebAssembly.Module>();

/** Whether this runtime validates a module that uses 128-bit SIMD (Node 16.4+ does). */
export const simdSupported: boolean = (() => {
  try {
    // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
    const bytes = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
    ]);
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
})();

/** The path of a built kernel, e.g. wasmPath('matmul') → <root>/dist/wasm/matmul.wasm. */
export function wasmPath(name: string): string {
  return packagePath('dist', 'wasm', `${name}.wasm`);
}

/** Whether a kernel was built (false before `npm run build:wasm`, or on a runtime without SIMD). */
export function wasmAvailable(name: string): boolean {
  return simdSupported && existsSync(wasmPath(name));
}

/** The compiled module of a kernel; throws when it was not built. */
export function wasmModule(name: string): WebAssembly.Module {
  let module = modules.get(name);
  if (module === undefined) {
    const path = wasmPath(name);
    if (!existsSync(path))
      throw new VerboError(`WebAssembly kernel ${path} is missing; run \`npm run build\``, 'UNSUPPORTED');
    module = new WebAssembly.Module(readFileSync(path));
    modules.set(name, module);
  }
  return module;
}
