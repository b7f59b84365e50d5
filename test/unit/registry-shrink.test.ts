/**
 * The registry's hold (sync/guard.ts registryShrink): a registry that lost half of its
 * organizations or more — at least two — stops the sync until the coordinator accepts it.
 * Exactly half loaded with «ok» and exit 0 (an outside review: 4 of 8 rows deleted).
 */
import { describe, expect, it } from 'vitest';
import { registryHoldMessage, registryShrink } from '../../server/sync/guard.ts';

describe('registryShrink', () => {
  it('holds half or more of the organizations gone, at least two', () => {
    // 4 of 8 gone: exactly half — held.
    const half = registryShrink(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'], new Set(['A', 'B', 'C', 'D']));
    expect(half).toEqual({ lost: ['E', 'F', 'G', 'H'], before: 8, after: 4 });
    expect(registryHoldMessage(half!, 'Организации')).toContain('пропали 4 (E, F, G, H) — половина. Синхронизация остановлена');
    // 3 of 8: less than half — loads (each departure a warning).
    expect(registryShrink(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'], new Set(['A', 'B', 'C', 'D', 'E']))).toBeNull();
    // 1 of 2 is half, but one organization: loads.
    expect(registryShrink(['A', 'B'], new Set(['A']))).toBeNull();
    // 2 of 3: more than half.
    expect(registryHoldMessage(registryShrink(['A', 'B', 'C'], new Set(['A']))!, 'Организации')).toContain('пропали 2 (B, C) — больше половины.');
  });
});
