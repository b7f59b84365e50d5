import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Within each project, the longest files first, as Vitest itself orders them once it has
 * timings cached — a fresh checkout (CI) has none, and ordered them by file size instead: a
 * long file written as a table of small cases (bad-input, 45 s) then started last and ran alone
 * at the end (a fresh clone 306–316 s against 279 s with the cache). Seconds each file took in
 * `.ci/run`; the others keep Vitest's order after these. Projects still run one after another.
 */
const SECONDS: Readonly<Record<string, number>> = {
  'test/e2e/dashboard.test.ts': 55,
  'test/e2e/pages.test.ts': 26,
  'test/e2e/security.test.ts': 40,
  'test/e2e/operations.test.ts': 28,
  'test/e2e/report.test.ts': 34,
  'test/e2e/engagement-page.test.ts': 12,
  'test/e2e/hold.test.ts': 10,
  'test/integration/bad-input.test.ts': 65,
  'test/integration/faults.test.ts': 40,
  'test/integration/access.test.ts': 30,
  'test/integration/start.test.ts': 27,
  'test/integration/history.test.ts': 23,
  'test/integration/corruption.property.test.ts': 15,
  'test/integration/login-flood.test.ts': 12,
  'test/integration/cli-auth.test.ts': 9,
  'test/integration/quality.test.ts': 9,
  'test/integration/query-limits.test.ts': 9,
  'test/integration/cross-org-reread.test.ts': 8,
  'test/integration/nothing-lost.test.ts': 12,
  'test/integration/template.test.ts': 7,
  'test/integration/metric-cache.test.ts': 6,
  'test/integration/reminders.test.ts': 4,
  'test/integration/resync.test.ts': 4,
  'test/unit/demo.test.ts': 5,
};

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const seconds = (f: TestSpecification) => Object.entries(SECONDS).find(([p]) => f.moduleId.endsWith(p))?.[1] ?? 0;
    const project = new Map(sorted.map((f, i) => [f.project.name, i]));
    // Stable: the project's place first (as Vitest ordered them), then the known time.
    return [...sorted].sort((a, b) => (project.get(a.project.name)! - project.get(b.project.name)!) || seconds(b) - seconds(a));
  }
}

// Every project pins its time zone. The value parser runs twice, under UTC and under
// Asia/Irkutsk (UTC+8, the region's zone), to prove dates never shift with the zone; test/zone/
// runs only there (the server's «today» and the database's moments in the region's zone).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    // A page's answer under load (two browser files and the server on two cores) can take more than
    // expect.poll's default second: a delivery deleted in the browser was still listed after 1 s.
    expect: { poll: { timeout: 10_000 } },
    // The JSON report feeds .ci/run's closing line "N passed, N failed".
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    hookTimeout: 60_000,
    // Two files at once on the 2-core machine: most integration files wait on DuckDB, child
    // processes and the fake Google rather than compute (162 s → 117 s). The browser files share
    // the same two workers: a project with fileParallelism: false is a group of its own that Vitest
    // runs after the others, so the browser files ran alone on one core for two minutes at the
    // end (whole suite 283–288 s → 263 s; their slowest test, 60 s allowed, took 34 s).
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    projects: [
      // Unit files share their worker's modules too (none depends on a fresh one): 20 → 13 CPU-s.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], env: { TZ: 'UTC' }, isolate: false } },
      { extends: true, test: { name: 'unit-irkutsk', include: ['test/unit/values.test.ts', 'test/unit/layout.test.ts', 'test/zone/*.test.ts'], env: { TZ: 'Asia/Irkutsk' } } },
      // The integration files share their worker's modules (isolate: false): each one opens its own
      // database, server and fakes, and no test depends on a fresh module; evaluating the server's
      // modules once per worker instead of once per file took the project 167 s → 135 s (import 36 → 7 s).
      // Both projects hash new passwords at a lower scrypt cost (test/support/hashCost.ts).
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], env: { TZ: 'UTC' }, isolate: false, setupFiles: ['test/support/hashCost.ts'] } },
      // The browser files too (each its own browser, server and database): their import 16 → 6 s.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env: { TZ: 'UTC' }, isolate: false, setupFiles: ['test/support/hashCost.ts'] } },
    ],
  },
});
