/** The demo municipality (server/sources/demo/): PRNG. */


export type Rng = () => number;

/** mulberry32: a small seeded PRNG (also used by tests that need reproducible randomness). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Independent streams per organization and purpose: adding a tab never reshuffles the staff. */
export const stream = (seed: number, ...parts: string[]): Rng => mulberry32(fnv1a(`${seed}|${parts.join('|')}`));

/** Uniform integer in [lo, hi]; lo when the range is empty. */
export function int(rng: Rng, lo: number, hi: number): number {
  return hi <= lo ? lo : lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, arr: readonly T[]): T {
  if (arr.length === 0) throw new Error('demo: pick from an empty list');
  return arr[Math.floor(rng() * arr.length)]!;
}

export function weighted<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = rng() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![0];
}

/** Code-point order of strings (the same in every locale). */
export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
