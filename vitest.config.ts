import { defineConfig } from 'vitest/config';

// Every project pins its time zone. The value parser runs twice, under UTC and under
// Asia/Irkutsk (UTC+8, the region's zone), to prove dates never shift with the zone.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    // The JSON report feeds .ci/run's closing line "N passed, N failed".
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    hookTimeout: 60_000,
    // Two files at once on the 2-core machine: most integration files wait on DuckDB, child
    // processes and the fake Google rather than compute (162 s → 117 s). The browser files share
    // the same two workers: a project with fileParallelism: false is a group of its own that Vitest
    // runs after the others, so the browser files ran alone on one core for two minutes at the
    // end (whole suite 283–288 s → 263 s; their slowest test, 60 s allowed, took 34 s).
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], env: { TZ: 'UTC' } } },
      { extends: true, test: { name: 'unit-irkutsk', include: ['test/unit/values.test.ts', 'test/unit/layout.test.ts'], env: { TZ: 'Asia/Irkutsk' } } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], env: { TZ: 'UTC' } } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env: { TZ: 'UTC' } } },
    ],
  },
});
