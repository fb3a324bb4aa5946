#!/usr/bin/env node
// Cold start: the time V8 (the engine of workerd and Node) takes to compile and
// instantiate a wasm file, median of 9 fresh compiles each. workerd compiles a
// Worker's wasm when the isolate starts; Node compiles the npm package's on
// import. Instantiation links stub imports (nothing of the module runs).
// Usage: node scripts/bench-coldstart.mjs FILE.wasm...
import { readFileSync, existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const files = process.argv.slice(2).concat(['js/dist/wasm/mypay_edge_bg.wasm']).filter((f, i, a) => existsSync(f) && a.indexOf(f) === i);
console.log('Cold start in V8 (compile + instantiate, median of 9)');
for (const file of files) {
  const bytes = readFileSync(file);
  const compile = [];
  const instantiate = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    const module = await WebAssembly.compile(bytes);
    const t1 = performance.now();
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      imports[imp.module] ??= {};
      imports[imp.module][imp.name] =
        imp.kind === 'function' ? () => {} :
        imp.kind === 'table' ? new WebAssembly.Table({ initial: 128, element: 'externref' }) :
        imp.kind === 'memory' ? new WebAssembly.Memory({ initial: 17 }) :
        imp.kind === 'tag' ? WebAssembly.JSTag ?? new WebAssembly.Tag({ parameters: ['externref'] }) :
        new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
    }
    await WebAssembly.instantiate(module, imports);
    const t2 = performance.now();
    compile.push(t1 - t0);
    instantiate.push(t2 - t1);
  }
  const med = (a) => a.sort((x, y) => x - y)[4].toFixed(1);
  console.log(`  ${file.padEnd(36)} ${(bytes.length / 1024).toFixed(0).padStart(5)} KiB   compile ${med(compile).padStart(6)} ms   instantiate ${med(instantiate).padStart(5)} ms`);
}
