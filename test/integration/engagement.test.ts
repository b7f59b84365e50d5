/**
 * `engagement` end to end: the folder fixture `test/fixtures/two-orgs` (two organizations,
 * CSV tabs) → sync into a real DuckDB file → the real server on port 0 → the API's JSON and CSV.
 * Every expected number is worked out by hand below from the fixture files.
 *
 * СОШ-1 teachers (hired / dismissed):
 *   A1 Иванова 2010 / —        A2 Петров 2015 / —          A3 Сидорова 20.08.2023 / —
 *   A4 Кузнецов 2022 / —       A5 Смирнова 2005 / 30.06.2024   A6 Попова 05.09.2024 / —
 *   A7 Волков 2000 / —         A8 Морозова 2019 / —         A9 Новиков 2018 / 31.08.2024
 *   A10 Лебедева 31.08.2024 / —   A11 Белова 2012 / —
 * СОШ-1 pairs (mentor → mentee, start, actual end):
 *   P1 A1→A3 01.09.2023 —          P2 A2→A4 01.09.2022 01.09.2023   P3 A7→A8 31.08.2024 —
 *   P4 A8→A7 01.09.2024 —          P5 A5→A10 10.01.2024 —            P6 A2→A9 01.10.2023 01.03.2024
 *   P7 A1→A4 01.01.2022 31.08.2023
 * ДОУ-1 teachers: B1 Орлова 2001, B2 Зайцева 2023, B3 Соколова 2021, B4 Павлова 2020,
 *   B5 Козлова 2019, B6 Егорова 2010, B7 Степанова 2008, B8 Николаева 2022 / 31.12.2023,
 *   B9 Федорова 2016, B10 Васильева 01.09.2024
 * ДОУ-1 pairs: Q1 «Морозова Зоя Ивановна (СОШ-1)» (= A8, a mentor from another organization)→B2
 *   01.11.2023 —;  Q2 B1→B3, Q3 B1→B4 15.09.2023 — (a group);  Q4 B1→B5 01.09.2022 31.08.2023;
 *   Q5 B7→B8 01.09.2023 31.12.2023.
 * ДОУ-9 is inactive and has no data: it is not reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolderSource } from '../../server/sources/folder.ts';
import { runSync, type SyncSummary } from '../../server/sync/run.ts';
import { openTempDb, startServer, type RunningServer, type TempDb } from '../support/server.ts';

const FIXTURE = new URL('../fixtures/two-orgs/', import.meta.url).pathname;

let tmp: TempDb;
let server: RunningServer;
let summary: SyncSummary;

beforeAll(async () => {
  tmp = await openTempDb();
  summary = await runSync({ db: tmp.db, source: createFolderSource(FIXTURE), trigger: 'test' });
  server = await startServer({ db: tmp.db, now: () => new Date('2024-03-15T10:00:00Z') });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

const pick = (rows: any[]) =>
  rows.map((r) => [r.org, r.teachers, r.mentors, r.mentees, r.engaged, r.engagement_rate]);

describe('engagement from the folder fixture', () => {
  it('syncs both organizations without rejecting a row', () => {
    expect(summary.status).toBe('ok');
    expect(summary.totals.ok).toBe(2);
    expect(summary.totals.rowsQuarantined).toBe(0);
    // СОШ-1: 11 teachers + 7 pairs + 1 program + 1 course + 1 attestation + 2 items = 23;
    // ДОУ-1: 10 teachers + 5 pairs = 15; 38 in all.
    expect(summary.totals.rowsLoaded).toBe(38);
    expect(summary.orgs.find((o) => o.org === 'ДОУ-9')?.status).toBe('inactive');
  });

  it('computes the academic year 2023/24 exactly', async () => {
    // Period 2023-09-01 … 2024-08-31. Population on 31.08.2024:
    //   СОШ-1: A1 A2 A3 A4 A7 A8 A10 A11 = 8 (A5 dismissed 30.06.2024; A6 hired 05.09.2024;
    //   A9 dismissed on `to` itself, and a dismissal must be after `to`; A10 hired on `to` counts).
    //   ДОУ-1: B1 B2 B3 B4 B5 B6 B7 B9 = 8 (B8 dismissed 31.12.2023; B10 hired 01.09.2024).
    // Active pairs (start ≤ to, end empty or ≥ from): P1, P2 (ended on `from`), P3 (starts on
    //   `to`), P5, P6, Q1, Q2, Q3, Q5; not P4 (starts after), P7 and Q4 (ended 31.08.2023).
    // СОШ-1 mentors: A1 (P1), A2 (P2, P6), A7 (P3), A8 (Q1, in ДОУ-1's sheet but counted in her
    //   own СОШ-1) = 4; A5 is not in the population. Mentees: A3, A4, A8, A10 = 4 (A9 not in the
    //   population). Engaged: {A1 A2 A7 A8 A3 A4 A10} = 7 (A8 once) → 7 / 8 = 0.875.
    // ДОУ-1 mentors: B1 (group Q2+Q3 = one mentor), B7 (Q5) = 2. Mentees: B2, B3, B4 = 3 (B5's
    //   pair ended before the period; B8 dismissed). Engaged 5 → 5 / 8 = 0.625.
    // Total from summed counts: 16 teachers, 6 mentors, 7 mentees, 12 engaged → 12 / 16 = 0.75.
    const { status, body } = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31`);
    expect(status).toBe(200);
    expect(body.metric).toBe('engagement');
    expect(body.params).toEqual({ from: '2023-09-01', to: '2024-08-31', org: [], type: null, grain: null });
    expect(pick(body.rows)).toEqual([
      ['СОШ-1', 8, 4, 4, 7, 0.875],
      ['ДОУ-1', 8, 2, 3, 5, 0.625],
      [null, 16, 6, 7, 12, 0.75],
    ]);
    expect(body.rows[0]).toMatchObject({ org_name: 'МОУ «Средняя общеобразовательная школа № 1»', org_type: 'Школа' });
    expect(body.rows[2]).toMatchObject({ org_name: null, org_type: null });
  });

  it('moves every boundary by one day', async () => {
    // Period 2023-09-02 … 2024-08-30. Population on 30.08.2024:
    //   СОШ-1: A1 A2 A3 A4 A7 A8 A9 A11 = 8 (A9 is still employed: dismissed 31.08 > 30.08;
    //   A10 not yet hired). ДОУ-1: the same 8 as before.
    // Active: P1, P5, P6, Q1, Q2, Q3, Q5; P2 ended 01.09.2023 < from; P3 starts 31.08.2024 > to.
    // СОШ-1 mentors: A1 (P1), A2 (P6), A8 (Q1) = 3 (A7's pair P3 is not active yet).
    //   Mentees: A3 (P1), A9 (P6) = 2 (A10 not in the population). Engaged 5 → 5 / 8 = 0.625.
    // ДОУ-1: as before, 2 mentors, 3 mentees, 5 engaged → 0.625.
    // Total: 16, 5, 5, 10 → 10 / 16 = 0.625.
    const { body } = await server.getJson(`/api/metrics/engagement?from=2023-09-02&to=2024-08-30`);
    expect(pick(body.rows)).toEqual([
      ['СОШ-1', 8, 3, 2, 5, 0.625],
      ['ДОУ-1', 8, 2, 3, 5, 0.625],
      [null, 16, 5, 5, 10, 0.625],
    ]);
  });

  it('filters by type and by organization; an empty selection gives a null ratio', async () => {
    const byType = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&type=${encodeURIComponent('Детский сад')}`);
    // Only ДОУ-1, and the total equals it: 8, 2, 3, 5, 5 / 8.
    expect(pick(byType.body.rows)).toEqual([
      ['ДОУ-1', 8, 2, 3, 5, 0.625],
      [null, 8, 2, 3, 5, 0.625],
    ]);
    const byOrg = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&org=${encodeURIComponent('СОШ-1')}`);
    expect(pick(byOrg.body.rows)).toEqual([
      ['СОШ-1', 8, 4, 4, 7, 0.875],
      [null, 8, 4, 4, 7, 0.875],
    ]);
    // ДОУ-9 is inactive with no data, so nothing is selected: 0 teachers, ratio null (not 0, not NaN).
    const none = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&org=${encodeURIComponent('ДОУ-9')}`);
    expect(pick(none.body.rows)).toEqual([[null, 0, 0, 0, 0, null]]);
  });

  it('defaults to the academic year containing today', async () => {
    // The pinned clock says 2024-03-15, inside 2023/24: the same rows as the explicit period.
    const { body } = await server.getJson(`/api/metrics/engagement`);
    expect(body.params).toMatchObject({ from: '2023-09-01', to: '2024-08-31' });
    expect(pick(body.rows).at(-1)).toEqual([null, 16, 6, 7, 12, 0.75]);
  });

  it('gives a monthly trend with `to` at each month end', async () => {
    const { body } = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&grain=month`);
    const totals = body.rows.filter((r: any) => r.org === null);
    expect(totals.map((r: any) => r.month)).toEqual([
      '2023-09-30', '2023-10-31', '2023-11-30', '2023-12-31', '2024-01-31', '2024-02-29',
      '2024-03-31', '2024-04-30', '2024-05-31', '2024-06-30', '2024-07-31', '2024-08-31',
    ]);
    // September 2023 (from 01.09 to 30.09.2023): population on 30.09.2023 —
    //   СОШ-1: A1 A2 A3 A4 A5 A7 A8 A9 A11 = 9 (A6, A10 not yet hired); ДОУ-1: B1…B8 and B9 = 9.
    //   Active pairs: P1 (01.09), P2 (ended 01.09.2023 ≥ from), Q2, Q3 (15.09), Q5 (01.09).
    //   СОШ-1: mentors A1, A2; mentees A3, A4 → engaged 4. ДОУ-1: mentors B1, B7; mentees B3, B4, B8 → 5.
    //   Total: 18 teachers, 4 mentors, 5 mentees, 9 engaged → 0.5.
    expect([totals[0].teachers, totals[0].mentors, totals[0].mentees, totals[0].engaged, totals[0].engagement_rate]).toEqual([18, 4, 5, 9, 0.5]);
    // The last month end is `to` itself: the same as the whole period.
    expect(pick([totals[11]])).toEqual([[null, 16, 6, 7, 12, 0.75]]);
  });

  it('exports the same rows as CSV for Russian Excel', async () => {
    // Russian Excel by default: `;`, decimal comma, Russian titles — no parameter needed.
    const res = await server.fetch(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const buf = Buffer.from(await res.arrayBuffer());
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
    const lines = buf.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Код организации;Организация;Тип;Педагогов на конец периода;Наставников;Наставляемых;Вовлечено (без повторов);Доля вовлечённых',
    );
    expect(lines.slice(1)).toEqual([
      'СОШ-1;МОУ «Средняя общеобразовательная школа № 1»;Школа;8;4;4;7;0,875',
      'ДОУ-1;МДОУ «Детский сад № 1 «Ромашка»»;Детский сад;8;2;3;5;0,625',
      'Итого;;;16;6;7;12;0,75',
    ]);
    // `decimal=point` for a program; a wrong value is refused, not guessed.
    const point = (await (await server.fetch(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&format=csv&decimal=point`)).text()).trimEnd().split('\r\n');
    expect(point.slice(1)).toEqual([
      'СОШ-1;МОУ «Средняя общеобразовательная школа № 1»;Школа;8;4;4;7;0.875',
      'ДОУ-1;МДОУ «Детский сад № 1 «Ромашка»»;Детский сад;8;2;3;5;0.625',
      'Итого;;;16;6;7;12;0.75',
    ]);
    const wrong = await server.getJson(`/api/metrics/engagement?from=2023-09-01&to=2024-08-31&format=csv&decimal=dot`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toBe('неверный параметр decimal: допустимы comma (по умолчанию, для Excel) и point');
  });

  it('answers errors in one JSON shape', async () => {
    const unknown = await server.getJson(`/api/metrics/no_such_metric`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/показатель «no_such_metric» не найден/) } });

    const badDate = await server.getJson(`/api/metrics/engagement?from=2023-02-30&to=2024-08-31`);
    expect(badDate.status).toBe(400);
    expect(badDate.body.error).toEqual({ code: 'bad_request', message: expect.stringMatching(/from.*такой даты нет/) });

    const reversed = await server.getJson(`/api/metrics/engagement?from=2024-09-01&to=2024-08-31`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toMatch(/конец периода \(31\.08\.2024\) раньше его начала \(01\.09\.2024\)/);

    const badType = await server.getJson(`/api/metrics/engagement?type=${encodeURIComponent('Колледж')}`);
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toMatch(/неизвестный тип организации/);

    const noRoute = await server.getJson(`/api/nothing/here`);
    expect(noRoute.status).toBe(404);
    expect(noRoute.body.error.code).toBe('not_found');
  });

  it('lists the metrics with Russian titles and columns', async () => {
    const { body } = await server.getJson(`/api/metrics`);
    const engagement = body.metrics.find((m: any) => m.name === 'engagement');
    expect(engagement.title).toBe('Вовлечённость педагогов в наставничество');
    expect(engagement.columns.map((c: any) => c.name)).toEqual(['teachers', 'mentors', 'mentees', 'engaged', 'engagement_rate']);
  });
});
