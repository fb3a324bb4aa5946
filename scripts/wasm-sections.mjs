// Reading a wasm file's sections (scripts/strip-wasm.mjs,
// scripts/bench-size-profile.mjs): LEB128 numbers, names, and each section
// with its id, its body's bounds and, for custom sections, its name.

/** The unsigned LEB128 number at `i` of `b`: [value, the index after it]. */
export function leb(b, i) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[i++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, i];
  }
}

/** The length-prefixed UTF-8 name at `i`: [text, the index after it]. */
export function name(b, i) {
  const [len, at] = leb(b, i);
  return [b.subarray(at, at + len).toString('utf8'), at + len];
}

/** Every section: { id, start, body, end, custom } (custom: a custom section's name). */
export function* sections(b) {
  if (b.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  for (let i = 8; i < b.length; ) {
    const id = b[i];
    const [size, body] = leb(b, i + 1);
    const end = body + size;
    yield { id, start: i, body, end, custom: id === 0 ? name(b, body)[0] : null };
    i = end;
  }
}
