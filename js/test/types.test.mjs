// index.d.ts against the Rust it describes: every model's fields
// (src/models.rs), every value table's codes (src/codes.rs, and the wasm's
// own valueTables()), the problem codes (src/validate.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { valueTables } from 'mypay-edge';

const read = (p) => readFileSync(new URL(p, import.meta.url), 'utf8');
const dts = read('../index.d.ts');
const modelsRs = read('../../crates/mypay-link/src/models.rs');
const codesRs = read('../../crates/mypay-link/src/codes.rs');
const validateRs = read('../../crates/mypay-link/src/validate.rs');

/** TS interfaces: name -> {extends, fields: Map(name -> optional)}. */
function tsInterfaces() {
  const out = new Map();
  for (const m of dts.matchAll(/^export interface (\w+)(?: extends ([\w, ]+))? \{\n([\s\S]*?)^\}/gm)) {
    const fields = new Map();
    for (const f of m[3].matchAll(/^ {2}(?:readonly )?'?([\w/]+)'?(\?)?:/gm)) fields.set(f[1], Boolean(f[2]));
    out.set(m[1], { extends: (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean), fields });
  }
  return out;
}

/** Rust structs: name -> [{name, type, flatten}]. */
function rustStructs() {
  const out = new Map();
  for (const m of modelsRs.matchAll(/^pub struct (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const fields = [];
    let flatten = false;
    for (const line of m[2].split('\n')) {
      if (/#\[serde\([^)]*flatten/.test(line)) flatten = true;
      const f = line.match(/^\s+pub (\w+): (.+),$/);
      if (f) {
        fields.push({ name: f[1], type: f[2], flatten });
        flatten = false;
      }
    }
    out.set(m[1], fields);
  }
  return out;
}

// Request models accept unknown fields in Rust (passed through); in TS they
// stay closed so that a misspelt field is a compile error.
const CLOSED_IN_TS = new Set(['OrderRequest', 'RefundRequest']);
// In requests, TS requires what validateOrder / validateRefund require, even
// where Rust reads the field as Option<…> to report it missing.
const REQUESTS = new Set(['OrderRequest', 'RefundRequest', 'QueryRequest']);

test('every model of src/models.rs has an interface in index.d.ts with the same fields', () => {
  const ts = tsInterfaces();
  const rs = rustStructs();
  assert.ok(rs.size >= 17, `found ${rs.size} structs`);
  const resolve = (name, seen = new Set()) => {
    const i = ts.get(name);
    assert.ok(i, `index.d.ts has no interface ${name}`);
    const fields = new Map(i.fields);
    let extra = false;
    for (const parent of i.extends) {
      if (parent === 'Extra') extra = true;
      else {
        assert.ok(!seen.has(parent));
        const p = resolve(parent, new Set([...seen, name]));
        for (const [k, v] of p.fields) if (!fields.has(k)) fields.set(k, v);
        extra ||= p.extra;
      }
    }
    return { fields, extra };
  };
  for (const [name, fields] of rs) {
    const want = new Map();
    let wantExtra = false;
    const expand = (fs) => {
      for (const f of fs) {
        if (f.flatten && f.type === 'Extra') wantExtra = true;
        else if (f.flatten) expand(rs.get(f.type));
        else want.set(f.name, f.type.startsWith('Option<'));
      }
    };
    expand(fields);
    const got = resolve(name);
    assert.deepEqual([...got.fields.keys()].sort(), [...want.keys()].sort(), `fields of ${name}`);
    for (const [f, optional] of want) {
      if (optional && !REQUESTS.has(name)) assert.equal(got.fields.get(f), true, `${name}.${f} is Option<…> in Rust: optional in TS`);
    }
    if (!CLOSED_IN_TS.has(name)) assert.equal(got.extra, wantExtra, `${name} keeps unknown fields: extends Extra`);
  }
  for (const n of ['OrderRequest', 'OrderReply', 'QueryReply', 'RefundRequest', 'RefundReply', 'Notification', 'Item', 'PaidVoucher', 'FreeVoucher', 'VoucherRef', 'Problem']) {
    assert.ok(ts.has(n), n);
  }
});

/** `export type Name = 'a' | 1 | ...;` -> the literals. */
function tsUnion(name) {
  const m = dts.match(new RegExp(`^export type ${name} =([\\s\\S]*?);`, 'm'));
  assert.ok(m, `index.d.ts has no type ${name}`);
  return [...m[1].matchAll(/'([^']*)'|(-?\d+)(?![\w'])/g)].map((x) => (x[1] !== undefined ? x[1] : Number(x[2])));
}

test('every value table of src/codes.rs is a union of exactly its documented codes', () => {
  const names = [...codesRs.matchAll(/value_table!\(\s*(?:\/\/\/[^\n]*\n\s*)*(\w+)\((?:Str|Int)\)/g)].map((m) => m[1]);
  assert.ok(names.length >= 30, `found ${names.length} tables`);
  const tables = valueTables();
  assert.deepEqual(Object.keys(tables).sort(), [...names].sort(), 'valueTables() covers every table of codes.rs');
  const iface = tsInterfaces().get('ValueTables');
  assert.deepEqual([...iface.fields.keys()].sort(), [...names].sort(), 'interface ValueTables');
  for (const name of names) {
    assert.deepEqual(tsUnion(name), tables[name], `type ${name}`);
  }
});

test('ProblemCode and StatusClass list the Rust codes', () => {
  const problemCodes = [...validateRs.matchAll(/ProblemCode::\w+ => "(\w+)"/g)].map((m) => m[1]);
  assert.ok(problemCodes.length >= 10);
  assert.deepEqual(tsUnion('ProblemCode').sort(), problemCodes.sort());
  const body = codesRs.match(/pub enum StatusClass \{([\s\S]*?)\n\}/)[1];
  const classes = [...body.matchAll(/^\s+(\w+),/gm)].map((m) => m[1].replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
  assert.deepEqual(tsUnion('StatusClass').sort(), classes.sort());
});
