/**
 * The data version: bumped by every swap of an organization's rows and at the end of every
 * sync. Cached answers (metricCache.ts) are keyed by it, so none is older than the data.
 */
let version = 0;

/** The version of the data: bumped by every load that changed rows. */
export function dataVersion(): number {
  return version;
}

export function bumpDataVersion(): void {
  version++;
}
