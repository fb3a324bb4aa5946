#!/usr/bin/env node
// Where the Worker's bytes go: the code size of each function in the wasm that
// rustc wrote (before wasm-bindgen; it still has its name section), summed by
// crate, and the largest functions. Part of `make bench`'s size row.
// Usage: node scripts/bench-size-profile.mjs [FILE.wasm] [TOP]
import { readFileSync } from 'node:fs';
import * as wasm from './wasm-sections.mjs';

const file = process.argv[2] ?? 'target/wasm32-unknown-unknown/release/mypay_edge.wasm';
const TOP = Number(process.argv[3] ?? 12);
const b = readFileSync(file);

const leb = (i) => wasm.leb(b, i);
const str = (i) => wasm.name(b, i);

let importedFunctions = 0;
const sizes = [];
const names = new Map();
for (const { id, body, end, custom } of wasm.sections(b)) {
  if (id === 2) {
    let [n, j] = leb(body);
    for (; n > 0; n--) {
      [, j] = str(j);
      [, j] = str(j);
      const kind = b[j++];
      if (kind === 0) { [, j] = leb(j); importedFunctions++; }
      else if (kind === 1) { j++; const [flags, k] = leb(j); [, j] = leb(k); if (flags & 1) [, j] = leb(j); }
      else if (kind === 2) { const [flags, k] = leb(j); [, j] = leb(k); if (flags & 1) [, j] = leb(j); }
      else if (kind === 3) j += 2;
      else if (kind === 4) { j++; [, j] = leb(j); }
    }
  } else if (id === 10) {
    let [n, j] = leb(body);
    for (; n > 0; n--) {
      const [len, at] = leb(j);
      sizes.push(len + (at - j));
      j = at + len;
    }
  } else if (custom === 'name') {
    for (let j = str(body)[1]; j < end; ) {
      const sub = b[j];
      const [len, at] = leb(j + 1);
      if (sub === 1) {
        let [n, k] = leb(at);
        for (; n > 0; n--) {
          let idx;
          [idx, k] = leb(k);
          let nm;
          [nm, k] = str(k);
          names.set(idx, nm);
        }
      }
      j = at + len;
    }
  }
}

/** The crate a (mangled) Rust symbol belongs to. */
function crateOf(name) {
  if (!name) return '?';
  let m = name.match(/^_ZN(\d+)/);
  if (m) {
    const head = name.slice(m[0].length, m[0].length + Number(m[1]));
    const inner = head.match(/^_\$LT\$([a-z_][a-z0-9_]*)\.\./);
    return inner ? inner[1] : head.replace(/^_\$LT\$/, '');
  }
  m = name.match(/^_R.*?C[a-zA-Z0-9_]*?\d+_?(\d+)([a-z_][a-z0-9_]*)/);
  if (m) return m[2].slice(0, Number(m[1]));
  return name.split('::')[0];
}

const total = sizes.reduce((a, s) => a + s, 0);
const byCrate = new Map();
const fns = sizes.map((s, k) => {
  const name = names.get(k + importedFunctions) ?? `func${k}`;
  const c = crateOf(name);
  byCrate.set(c, (byCrate.get(c) ?? 0) + s);
  return [s, name];
});
console.log(`Where the Worker's code goes (${file}: ${(total / 1024).toFixed(0)} KiB of code before wasm-bindgen)`);
for (const [c, s] of [...byCrate].sort((x, y) => y[1] - x[1]).slice(0, TOP)) {
  console.log(`  ${(s / 1024).toFixed(1).padStart(7)} KiB ${((100 * s) / total).toFixed(1).padStart(5)}%  ${c}`);
}
console.log('  largest functions:');
for (const [s, n] of fns.sort((x, y) => y[0] - x[0]).slice(0, TOP)) {
  console.log(`  ${(s / 1024).toFixed(1).padStart(7)} KiB  ${n.replace(/17h[0-9a-f]{16}E$/, '').slice(0, 110)}`);
}
