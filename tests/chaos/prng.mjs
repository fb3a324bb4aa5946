// A small seeded PRNG (sfc32 seeded through splitmix32): the same seed gives
// the same sequence on every machine and Node version.

function splitmix32(a) {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

export class Rng {
  constructor(seed) {
    const s = splitmix32(Number(seed) >>> 0);
    let a = s(), b = s(), c = s(), d = s();
    this.next32 = () => {
      a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      return t >>> 0;
    };
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** [0, 1) */
  float() {
    return this.next32() / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p) {
    return this.float() < p;
  }

  pick(list) {
    return list[Math.floor(this.float() * list.length)];
  }

  /** One of `entries` ([value, weight] pairs), by weight. */
  weighted(entries) {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [v, w] of entries) {
      x -= w;
      if (x < 0) return v;
    }
    return entries.at(-1)[0];
  }

  /** `k` distinct items of `list`, in a random order. */
  sample(list, k) {
    const copy = [...list];
    const out = [];
    while (out.length < k && copy.length) out.push(copy.splice(Math.floor(this.float() * copy.length), 1)[0]);
    return out;
  }
}
