#!/usr/bin/env node
// Removes the custom sections a Worker does not need at run time ("name":
// function names for stack traces, "producers") from a wasm file, in place,
// copying every other section byte for byte.
// Usage: node scripts/strip-wasm.mjs FILE.wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { sections } from './wasm-sections.mjs';

const DROP = new Set(['name', 'producers']);
const file = process.argv[2];
const b = readFileSync(file);
const kept = [b.subarray(0, 8)];
for (const s of sections(b)) if (!DROP.has(s.custom)) kept.push(b.subarray(s.start, s.end));
const out = Buffer.concat(kept);
writeFileSync(file, out);
console.error(`strip-wasm: ${file}: ${b.length} → ${out.length} bytes`);
