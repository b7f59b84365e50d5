/**
 * Results cached per (metric, parameters, data version). Every swap of an organization's rows
 * bumps the version, so a cached answer is never older than the data; an LRU bound keeps
 * memory flat whatever parameters clients send.
 */
let version = 0;

/** The version of the data: bumped by every load that changed rows. */
export function dataVersion(): number {
  return version;
}

export function bumpDataVersion(): void {
  version++;
}

export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
