/**
 * The state message of an organization some of whose tabs failed as a whole (loader.ts
 * failedTabsMessage): «the previous data is kept» only where there is some (an acceptance run
 * found it said of tabs never loaded, and of organizations loaded for the first time).
 */
import { describe, expect, it } from 'vitest';
import type { TabKey } from '../../server/contract/index.ts';
import type { OrgTally, TabTally } from '../../server/sync/load.ts';
import { failedTabsMessage } from '../../server/sync/loader.ts';

const tally = (tabs: [TabKey, TabTally['status'], string][]): OrgTally => ({
  org: 'СОШ-9',
  tabs: new Map(tabs.map(([key, status, title]) => [key, { status, title, rows: 0, rejected: 0 }])),
  quarantined: 0,
  warnings: 0,
  errors: 0,
});

describe('failedTabsMessage', () => {
  const two = tally([
    ['teachers', 'ok', 'Педагоги'],
    ['attestations', 'error', 'Аттестация'],
    ['pairs', 'error', 'Наставнические пары'],
  ]);

  it('says the previous data is kept only of tabs that have stored rows', () => {
    expect(failedTabsMessage(tally([['teachers', 'ok', 'Педагоги']]), { teachers: 5 })).toBeNull();
    // Both with rows stored (6 and 3).
    expect(failedTabsMessage(two, { attestations: 6, pairs: 3 })).toBe(
      'листы «Аттестация», «Наставнические пары» не загружены из-за ошибок листов; для них сохранены данные прошлой загрузки',
    );
    // A first load: nothing stored.
    expect(failedTabsMessage(two)).toBe('листы «Аттестация», «Наставнические пары» не загружены из-за ошибок листов; их данных в базе ещё нет');
    expect(failedTabsMessage(tally([['attestations', 'error', 'Аттестация']]), { attestations: 0 })).toBe(
      'лист «Аттестация» не загружен из-за ошибки листа; его данных в базе ещё нет',
    );
    // One of each.
    expect(failedTabsMessage(two, { attestations: 6 })).toBe(
      'листы «Аттестация», «Наставнические пары» не загружены из-за ошибок листов; для листа «Аттестация» сохранены данные прошлой загрузки, данных листа «Наставнические пары» в базе ещё нет',
    );
  });
});

describe('the sync command’s line of an organization', () => {
  it('says which tab did not load with the rest (it said «загружена — строк 0» of a sheet whose one filled tab was refused)', async () => {
    const { outcomeLine } = await import('../../server/cli/syncLines.ts');
    const { outcome } = await import('../../server/sync/loader.ts');
    const message = failedTabsMessage(tally([['teachers', 'error', 'Педагоги'], ['pairs', 'ok', 'Наставнические пары']]), {});
    const o = { ...outcome('ДОУ-8', 'ok', message, 5), rowsLoaded: 0 };
    expect(outcomeLine(o)).toBe('ДОУ-8: загружена — строк 0, в карантине 0; лист «Педагоги» не загружен из-за ошибки листа; его данных в базе ещё нет');
    expect(outcomeLine({ ...o, message: null, rowsLoaded: 12, rowsQuarantined: 1 })).toBe('ДОУ-8: загружена — строк 12, в карантине 1');
    expect(outcomeLine({ ...o, status: 'unchanged', message: null })).toBe('ДОУ-8: без изменений');
  });
});

describe('the sync command’s findings', () => {
  it('cut to the limit, lists the errors first; under it, in the list’s order', async () => {
    const { findingsShown } = await import('../../server/cli/syncLines.ts');
    const rows = [{ level: 'warning', n: 1 }, { level: 'warning', n: 2 }, { level: 'error', n: 3 }, { level: 'warning', n: 4 }, { level: 'error', n: 5 }];
    expect(findingsShown(rows, 3).map((r) => r.n)).toEqual([3, 5, 1]);
    expect(findingsShown(rows, 5).map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });
});
