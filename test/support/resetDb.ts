/** Empties what a sync writes, so one test database serves many cases (opening one costs far more). */
import { TABS } from '../../server/contract/index.ts';
import type { Db } from '../../server/db/db.ts';
import { clearHistory } from '../../server/db/history.ts';

const SYNC_TABLES = [...TABS.map((t) => t.key), 'orgs', 'org_state', 'sync_runs', 'sync_run_orgs', 'quarantine', 'issues', 'tab_columns'];

export async function resetDb(db: Db): Promise<void> {
  await db.write((w) =>
    w.transaction(async () => {
      for (const t of SYNC_TABLES) await w.run(`DELETE FROM "${t}"`);
      // The rows' history goes with them (each case starts from an empty database).
      await clearHistory(w);
      await w.run(`DELETE FROM meta WHERE key = 'history_through_run'`);
    }),
  );
}
