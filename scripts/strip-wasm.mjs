#!/usr/bin/env node
// Removes the custom sections a Worker does not need at run time ("name":
// function names for stack traces, "producers") from a wasm file, in place,
// copying every other section byte for byte.
// Usage: node scripts/strip-wasm.mjs FILE.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const DROP = new Set(['name', 'producers']);
const file = process.argv[2];
const b = readFileSync(file);
if (b.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a wasm module`);

function leb(i) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[i++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, i];
  }
}

const kept = [b.subarray(0, 8)];
let i = 8;
let dropped = 0;
while (i < b.length) {
  const start = i;
  const id = b[i];
  const [size, body] = leb(i + 1);
  const end = body + size;
  let drop = false;
  if (id === 0) {
    const [len, name] = leb(body);
    drop = DROP.has(b.subarray(name, name + len).toString('utf8'));
  }
  if (drop) dropped += end - start;
  else kept.push(b.subarray(start, end));
  i = end;
}
writeFileSync(file, Buffer.concat(kept));
console.error(`strip-wasm: ${file}: ${b.length} → ${b.length - dropped} bytes`);
