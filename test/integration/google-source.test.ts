/**
 * The `google` source with the real googleapis client against the fake Sheets server on
 * 127.0.0.1. No network, no Google account; backoff sleeps are injected and recorded.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backoffDelay,
  createGoogleSource,
  extractSpreadsheetId,
  normalizeTabTitle,
  quoteSheetTitle,
  RateLimiter,
  type GoogleSourceOptions,
} from '../../server/sources/google.ts';
import { SourceError, type OrgEntry } from '../../server/sources/types.ts';
import { parseRetryAfter } from '../../server/google/failure.ts';
import { startFakeSheets, type FakeSheets, type FakeTab } from '../support/fakeSheets.ts';

const KEY = 'AIzaTEST-secret-key-0123456789';
const REGISTRY_ID = '1RegistryAbcDEF_ghi-000';

let fake: FakeSheets;
let tmp: string;
/** Every SourceError message seen in this file, checked for secrets at the end. */
const messages: string[] = [];

function org(code: string, sheet: string): OrgEntry {
  return { code, name: `Организация ${code}`, type: 'Школа', sheet, curator: null, active: true, registryRow: 2 };
}

function source(extra: Partial<GoogleSourceOptions> = {}) {
  const delays: number[] = [];
  const src = createGoogleSource({
    registryId: `https://docs.google.com/spreadsheets/d/${REGISTRY_ID}/edit#gid=0`,
    apiKey: KEY,
    rootUrl: fake.url,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { src, delays };
}

async function sourceError(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    const e = err as SourceError;
    messages.push(e.message);
    return e;
  }
  throw new Error('expected a SourceError');
}

const ORG_TABS: FakeTab[] = [
  {
    title: 'Педагоги',
    rows: [
      ['Список педагогов'],
      [],
      ['ФИО', 'Должность', 'Дата приёма', 'Стаж', 'Наставник'],
      ['Иванова Анна Петровна', 'учитель', 45000, 12.5, true],
      ['Петров Пётр', 'воспитатель', null, 1, null, null], // trailing empties: trimmed
      ['Сидорова', null, 44927], // a ragged row with an inner gap
    ],
  },
  { title: 'Наставнические пары', rows: [['Наставник', 'Наставляемый'], ['Иванова Анна Петровна', 'Петров Пётр']] },
  { title: "Дела'2024", rows: [['Пункт', 'Дата исполнения'], ['3.1', 44986]] },
  { title: 'Пустой лист', rows: [] },
  { title: 'Диаграмма', rows: [], sheetType: 'OBJECT' },
];

beforeAll(async () => {
  fake = await startFakeSheets({ requireKey: KEY });
  tmp = mkdtempSync(join(tmpdir(), 'google-source-'));
  fake.setSpreadsheet(REGISTRY_ID, {
    tabs: [
      { title: 'Инструкция', rows: [['Заполняйте лист «Организации»']] },
      {
        title: '  ОРГАНИЗАЦИИ. ',
        rows: [
          ['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна'],
          ['СОШ-2', 'МБОУ «СОШ № 2»', 'Школа', 'https://docs.google.com/spreadsheets/d/1Sosh2_abcdef/edit', 'Смирнова', 'Да'],
          ['ДОУ-21', 'МБДОУ № 21', 'Детский сад', '1Dou21_abcdef'],
        ],
      },
    ],
  });
});

afterAll(async () => {
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('pure helpers', () => {
  it('extractSpreadsheetId takes an ID or a URL and rejects garbage', () => {
    expect(extractSpreadsheetId('1AbC_dEf-123')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('  1AbC_dEf-123 ')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('https://docs.google.com/spreadsheets/d/1AbC_dEf-123/edit#gid=0')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('https://docs.google.com/spreadsheets/u/0/d/1AbC_dEf-123')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('https://drive.google.com/open?id=1AbC_dEf-123')).toBe('1AbC_dEf-123');
    expect(extractSpreadsheetId('')).toBeNull();
    expect(extractSpreadsheetId('таблица СОШ-2')).toBeNull();
    expect(extractSpreadsheetId('not an id at all')).toBeNull();
    expect(extractSpreadsheetId('https://example.com/page')).toBeNull();
    expect(extractSpreadsheetId('-----')).toBeNull();
    // "Published to the web" links carry an ID the API does not accept.
    expect(extractSpreadsheetId('https://docs.google.com/spreadsheets/d/e/2PACX-1vRabc/pubhtml')).toBeNull();
  });

  it('quotes tab titles for A1 and normalizes titles', () => {
    expect(quoteSheetTitle("Дела'2024")).toBe("'Дела''2024'");
    expect(quoteSheetTitle('Наставнические пары')).toBe("'Наставнические пары'");
    expect(normalizeTabTitle('  Организации. ')).toBe(normalizeTabTitle('организации'));
    expect(normalizeTabTitle('Повышение  квалификации')).toBe('повышение квалификации');
    expect(normalizeTabTitle('Приём')).toBe(normalizeTabTitle('ПРИЕМ'));
  });

  it('backoff is full jitter under an exponential cap; Retry-After is seconds or an HTTP date', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(250);
    expect(backoffDelay(3, () => 0.5)).toBe(2000);
    expect(backoffDelay(20, () => 0.999)).toBeLessThan(32_000);
    expect(backoffDelay(5, () => 0)).toBe(0);
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    expect(parseRetryAfter(new Date(now - 3000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('RateLimiter (injected clock)', () => {
  function clock() {
    const c = { t: 0, slept: [] as number[] };
    return {
      c,
      now: () => c.t,
      sleep: async (ms: number) => {
        c.slept.push(ms);
        c.t += ms;
      },
    };
  }

  it('grants `limit` requests per sliding window, then waits for the oldest to leave it', async () => {
    const k = clock();
    const rl = new RateLimiter({ limit: 3, windowMs: 1000, now: k.now, sleep: k.sleep });
    await rl.acquire();
    k.c.t = 100;
    await rl.acquire();
    k.c.t = 200;
    await rl.acquire();
    expect(k.c.slept).toEqual([]);
    await rl.acquire(); // the 4th waits until the first (t=0) leaves the window
    expect(k.c.t).toBe(1000);
    expect(k.c.slept).toEqual([1000 - 200]);
    await rl.acquire(); // then until t=100 leaves
    expect(k.c.t).toBe(1100);
    expect(rl.inWindow()).toBe(3);
  });

  it('serves concurrent callers in order and never exceeds the limit', async () => {
    const k = clock();
    const rl = new RateLimiter({ limit: 2, windowMs: 60_000, now: k.now, sleep: k.sleep });
    const granted: [number, number][] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => rl.acquire().then(() => granted.push([i, k.c.t]))));
    expect(granted.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    expect(granted.map(([, t]) => t)).toEqual([0, 0, 60_000, 60_000, 120_000]);
  });

  it('is a no-op without a limit', async () => {
    const k = clock();
    const rl = new RateLimiter({ limit: Infinity, now: k.now, sleep: k.sleep });
    for (let i = 0; i < 1000; i++) await rl.acquire();
    expect(k.c.slept).toEqual([]);
  });
});

describe('google source against the fake Sheets server', () => {
  it('reads the registry tab by a tolerant title (2 requests, the key sent)', async () => {
    const { src } = source();
    fake.clearRequests();
    const reg = await src.readRegistry();
    expect(reg.title).toBe('  ОРГАНИЗАЦИИ. ');
    expect(reg.grid[0]).toEqual(['Код', 'Наименование', 'Тип', 'Таблица', 'Куратор', 'Активна']);
    expect(reg.grid[2]).toEqual(['ДОУ-21', 'МБДОУ № 21', 'Детский сад', '1Dou21_abcdef']);
    expect(fake.requests.map((r) => r.kind)).toEqual(['get', 'values.get']);
    expect(fake.requests[1]?.ranges).toEqual(["'  ОРГАНИЗАЦИИ. '"]);
    expect(fake.requests.every((r) => r.auth === 'key' && r.status === 200)).toBe(true);
    expect(src.description).not.toContain(KEY);
  });

  it('a registry without the tab, or missing, is a SourceError naming the registry', async () => {
    fake.setSpreadsheet('1RegNoTab_000', { tabs: [{ title: 'Лист1', rows: [['x']] }] });
    const e1 = await sourceError(source({ registryId: '1RegNoTab_000' }).src.readRegistry());
    expect(e1.code).toBe('bad_shape');
    expect(e1.message).toContain('нет листа «Организации»');
    expect(e1.message).toContain('«Лист1»');
    const e2 = await sourceError(source({ registryId: '1RegMissing_000' }).src.readRegistry());
    expect(e2.code).toBe('not_found');
    expect(e2.message).toContain('реестр организаций не найден (ID 1RegMissing_000)');
  });

  it('fetches an organization: all grid tabs, right grids, 3 requests; unchanged = 1 request; full re-reads', async () => {
    const id = '1Sosh2_abcdef';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    const { src } = source();
    fake.clearRequests();

    const first = await src.fetchOrg(org('СОШ-2', `https://docs.google.com/spreadsheets/d/${id}/edit`), { lastVersion: null, full: false });
    expect(first.status).toBe('ok');
    if (first.status !== 'ok') throw new Error('unreachable');
    expect(first.requests).toBe(3);
    expect(first.retries).toBe(0);
    expect(first.version).toBe(fake.modifiedTime(id));
    expect(fake.requests.map((r) => r.kind)).toEqual(['drive.files.get', 'get', 'batchGet']);
    expect(fake.requests[2]?.ranges).toEqual(["'Педагоги'", "'Наставнические пары'", "'Дела''2024'", "'Пустой лист'"]);

    const byTitle = new Map(first.tabs.map((t) => [t.title, t.grid]));
    expect([...byTitle.keys()]).toEqual(['Педагоги', 'Наставнические пары', "Дела'2024", 'Пустой лист']);
    expect(byTitle.get('Педагоги')).toEqual([
      ['Список педагогов'],
      [],
      ['ФИО', 'Должность', 'Дата приёма', 'Стаж', 'Наставник'],
      ['Иванова Анна Петровна', 'учитель', 45000, 12.5, true],
      ['Петров Пётр', 'воспитатель', '', 1],
      ['Сидорова', '', 44927],
    ]);
    expect(byTitle.get("Дела'2024")).toEqual([['Пункт', 'Дата исполнения'], ['3.1', 44986]]);
    expect(byTitle.get('Пустой лист')).toEqual([]);

    fake.clearRequests();
    const second = await src.fetchOrg(org('СОШ-2', id), { lastVersion: first.version, full: false });
    expect(second).toEqual({ status: 'unchanged', version: first.version, requests: 1, retries: 0 });
    expect(fake.requests.map((r) => r.kind)).toEqual(['drive.files.get']);

    const forced = await src.fetchOrg(org('СОШ-2', id), { lastVersion: first.version, full: true });
    expect(forced.status).toBe('ok');
    expect(forced.requests).toBe(3);

    // An edit bumps modifiedTime: read again.
    fake.setSpreadsheet(id, { tabs: [{ title: 'Педагоги', rows: [['ФИО']] }] });
    const third = await src.fetchOrg(org('СОШ-2', id), { lastVersion: first.version, full: false });
    expect(third.status).toBe('ok');
    expect(third.version).not.toBe(first.version);
    if (third.status === 'ok') expect(third.tabs).toEqual([{ title: 'Педагоги', grid: [['ФИО']] }]);
  });

  it('falls back to a full read when Drive metadata is not readable (403/404 from Drive)', async () => {
    const id = '1DriveDenied_01';
    fake.setSpreadsheet(id, { tabs: [{ title: 'Педагоги', rows: [['ФИО']] }] });
    fake.failNext(id, 403, 1, { kind: 'drive.files.get' });
    const { src } = source();
    const r = await src.fetchOrg(org('ДОУ-5', id), { lastVersion: 'whatever', full: false });
    expect(r.status).toBe('ok');
    expect(r.version).toBeNull();
    expect(r.requests).toBe(3);
    expect(r.retries).toBe(0);
  });

  it('retries 429 three times with full-jitter backoff, then succeeds', async () => {
    const id = '1Quota429_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 429, 3, { kind: 'batchGet' });
    const { src, delays } = source();
    const r = await src.fetchOrg(org('СОШ-3', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    expect(r.retries).toBe(3);
    expect(r.requests).toBe(6);
    expect(fake.count({ spreadsheetId: id, kind: 'batchGet' })).toBe(4);
    expect(delays).toEqual([250, 500, 1000]); // random()=0.5 × 500·2^n
  });

  it('honors Retry-After (seconds and HTTP date)', async () => {
    const id = '1RetryAfter_001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 429, 2, { retryAfter: 7 });
    const { src, delays } = source();
    const r = await src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    expect(r.retries).toBe(2);
    expect(delays).toEqual([7000, 7000]);

    const now = Date.UTC(2030, 0, 1, 0, 0, 0);
    fake.failNext(id, 503, 1, { retryAfter: new Date(now + 4000).toUTCString() });
    const s2 = source({ now: () => now });
    const r2 = await s2.src.fetchOrg(org('СОШ-4', id), { lastVersion: null, full: true });
    expect(r2.retries).toBe(1);
    expect(s2.delays).toEqual([4000]);
  });

  it('403 and 404 are SourceErrors in Russian with a code, and are not retried', async () => {
    const denied = '1Denied_403_01';
    fake.setSpreadsheet(denied, { tabs: ORG_TABS });
    fake.setStatus(denied, 403);
    const a = source();
    const e403 = await sourceError(a.src.fetchOrg(org('СОШ-2', denied), { lastVersion: null, full: false }));
    expect(e403.code).toBe('forbidden');
    expect(e403.message).toMatch(/^нет доступа к таблице организации СОШ-2: откройте доступ на чтение/);
    expect(e403.message).toContain('«всем, у кого есть ссылка»');
    // Drive 403 → fall back; spreadsheets.get 403 → stop. No retries, no sleeps.
    expect(fake.count({ spreadsheetId: denied })).toBe(2);
    expect(e403.requests).toBe(2);
    expect(e403.retries).toBe(0);
    expect(a.delays).toEqual([]);

    const missing = '1Missing_404_01';
    const b = source();
    const e404 = await sourceError(b.src.fetchOrg(org('СОШ-2', missing), { lastVersion: null, full: false }));
    expect(e404.code).toBe('not_found');
    expect(e404.message).toBe(`таблица организации СОШ-2 не найдена (ID ${missing}): проверьте столбец «Таблица» реестра`);
    expect(fake.count({ spreadsheetId: missing })).toBe(2);
    expect(b.delays).toEqual([]);
  });

  it('a 500 storm beyond maxRetries is "unavailable"; exhausted 429s are "quota"', async () => {
    const id = '1Storm_500_001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 500, 100);
    const { src, delays } = source({ maxRetries: 3 });
    const e = await sourceError(src.fetchOrg(org('СОШ-7', id), { lastVersion: null, full: false }));
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/^Google Sheets недоступен: HTTP 500/);
    expect(e.message).toContain('организации СОШ-7');
    expect(e.requests).toBe(4);
    expect(e.retries).toBe(3);
    expect(fake.count({ spreadsheetId: id })).toBe(4);
    expect(delays).toEqual([250, 500, 1000]);

    const q = '1Storm_429_001';
    fake.setSpreadsheet(q, { tabs: ORG_TABS });
    fake.failNext(q, 429, 100);
    const eq = await sourceError(source({ maxRetries: 2 }).src.fetchOrg(org('СОШ-8', q), { lastVersion: null, full: false }));
    expect(eq.code).toBe('quota');
    expect(eq.message).toMatch(/^превышена квота Google Sheets при чтении организации СОШ-8.*попробуйте позже/);
    expect(eq.requests).toBe(3);
  });

  it('retries a dropped connection; a timeout storm is "unavailable"', async () => {
    const id = '1Network_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.failNext(id, 0, 1); // the server drops the connection
    const { src } = source();
    const r = await src.fetchOrg(org('СОШ-9', id), { lastVersion: null, full: false });
    expect(r.status).toBe('ok');
    expect(r.retries).toBe(1);

    const slow = await startFakeSheets({ latencyMs: 300 });
    try {
      slow.setSpreadsheet(id, { tabs: ORG_TABS });
      const s = createGoogleSource({ registryId: REGISTRY_ID, apiKey: KEY, rootUrl: slow.url, timeoutMs: 40, maxRetries: 1, sleep: async () => undefined });
      const e = await sourceError(s.fetchOrg(org('СОШ-9', id), { lastVersion: null, full: false }));
      expect(e.code).toBe('unavailable');
      expect(e.message).toMatch(/^Google Sheets недоступен: превышено время ожидания/);
      expect(e.requests).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it('the API key is required by the fake and never appears in messages', async () => {
    const id = '1KeyCheck_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.clearRequests();

    // Without a key the fake answers 403 "missing a valid API key": proves the key is what passes.
    const noKey = source({ apiKey: undefined });
    const e = await sourceError(noKey.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false }));
    expect(e.code).toBe('forbidden');
    expect(e.message).toContain('задайте GOOGLE_API_KEY или GOOGLE_APPLICATION_CREDENTIALS');
    expect(fake.requests.every((r) => r.auth === 'none')).toBe(true);

    const wrong = 'AIzaWRONG-key-should-not-leak-42';
    const bad = source({ apiKey: wrong });
    const e2 = await sourceError(bad.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false }));
    expect(e2.code).toBe('forbidden');
    expect(e2.message).toContain('API-ключ Google недействителен');
    expect(e2.message).not.toContain(wrong);
    expect(bad.src.description).not.toContain(wrong);

    for (const m of messages) {
      expect(m).not.toContain(KEY);
      expect(m).not.toMatch(/key=/);
    }
  });

  it('a service account: key file errors are clear and leak nothing; 403 names client_email', async () => {
    const missingFile = join(tmp, 'nope.json');
    const e1 = await sourceError(source({ apiKey: undefined, credentialsFile: missingFile }).src.fetchOrg(org('СОШ-2', '1Sosh2_abcdef'), { lastVersion: null, full: false }));
    expect(e1.code).toBe('other');
    expect(e1.message).toContain(missingFile);

    const garbled = join(tmp, 'garbled.json');
    writeFileSync(garbled, '{"private_key": "-----BEGIN PRIVATE KEY-----SECRETSTUFF');
    const e2 = await sourceError(source({ apiKey: undefined, credentialsFile: garbled }).src.readRegistry());
    expect(e2.message).toContain('не JSON');
    expect(e2.message).not.toContain('SECRETSTUFF');

    // A real (generated) key, signed locally (jwtAccess): requests reach the fake with a bearer token.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keyFile = join(tmp, 'sa.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'test',
        private_key_id: 'kid-123456',
        private_key: pem,
        client_email: 'monitor@test-project.iam.gserviceaccount.com',
        client_id: '1',
      }),
    );
    const id = '1SaDenied_0001';
    fake.setSpreadsheet(id, { tabs: ORG_TABS });
    fake.setStatus(id, 403);
    fake.clearRequests();
    const sa = source({ apiKey: undefined, credentialsFile: keyFile, jwtAccess: true });
    const e3 = await sourceError(sa.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false }));
    expect(e3.code).toBe('forbidden');
    expect(e3.message).toBe(
      'нет доступа к таблице организации СОШ-2: откройте доступ на чтение для сервисного аккаунта monitor@test-project.iam.gserviceaccount.com или «всем, у кого есть ссылка»',
    );
    expect(fake.requests.map((r) => r.auth)).toEqual(['bearer', 'bearer']);

    fake.setStatus(id, null);
    const ok = await sa.src.fetchOrg(org('СОШ-2', id), { lastVersion: null, full: false });
    expect(ok.status).toBe('ok');
    for (const m of messages) expect(m).not.toContain('PRIVATE KEY');
  });

  it('shares one rate limit across the requests of a source', async () => {
    const ids = ['1Rate_A_00001', '1Rate_B_00001', '1Rate_C_00001'];
    for (const id of ids) fake.setSpreadsheet(id, { tabs: ORG_TABS });
    // Fake clock: the limiter's sleeps advance it, so "a minute" passes instantly.
    const c = { t: 0 };
    const slept: number[] = [];
    const src = createGoogleSource({
      registryId: REGISTRY_ID,
      apiKey: KEY,
      rootUrl: fake.url,
      requestsPerMinute: 4,
      now: () => c.t,
      sleep: async (ms) => {
        slept.push(ms);
        c.t += ms;
      },
    });
    const results = await Promise.all(ids.map((id, i) => src.fetchOrg(org(`ОУ-${i}`, id), { lastVersion: null, full: false })));
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    // 9 requests at 4 per minute: two full waits.
    expect(c.t).toBeGreaterThanOrEqual(120_000);
    expect(c.t).toBeLessThan(180_000);
  });
});

describe('fake Sheets server wire format', () => {
  const id = '1Wire_format_01';
  async function get(path: string): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(new URL(path, fake.url), { headers: { 'X-Goog-Api-Key': KEY } });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  it('honors field masks and the Drive default fields', async () => {
    fake.setSpreadsheet(id, { tabs: ORG_TABS, modifiedTime: '2024-03-01T10:00:00.000Z' });
    const a = await get(`v4/spreadsheets/${id}?fields=${encodeURIComponent('sheets.properties(title,sheetType)')}`);
    expect(a.body).toEqual({ sheets: ORG_TABS.map((t) => ({ properties: { title: t.title, sheetType: t.sheetType ?? 'GRID' } })) });
    const b = await get(`v4/spreadsheets/${id}?fields=sheets.properties.title`);
    expect(b.body.sheets[2]).toEqual({ properties: { title: "Дела'2024" } });
    const full = await get(`v4/spreadsheets/${id}`);
    expect(full.body.spreadsheetId).toBe(id);
    expect(full.body.sheets[0].properties).toMatchObject({ title: 'Педагоги', index: 0, sheetType: 'GRID', gridProperties: { rowCount: 1000, columnCount: 26 } });
    expect(full.body.sheets[0].data).toBeUndefined();
    const d = await get(`drive/v3/files/${id}?fields=modifiedTime`);
    expect(d.body).toEqual({ modifiedTime: '2024-03-01T10:00:00.000Z' });
    const d2 = await get(`drive/v3/files/${id}`);
    expect(d2.body).toMatchObject({ kind: 'drive#file', id, mimeType: 'application/vnd.google-apps.spreadsheet' });
    expect(d2.body.modifiedTime).toBeUndefined();
  });

  it('answers values.get with A1 sub-ranges and includeGridData cells', async () => {
    const r = await get(`v4/spreadsheets/${id}/values/${encodeURIComponent("'Педагоги'!B3:C5")}?valueRenderOption=UNFORMATTED_VALUE`);
    expect(r.body).toEqual({ range: "'Педагоги'!B3:C5", majorDimension: 'ROWS', values: [['Должность', 'Дата приёма'], ['учитель', 45000], ['воспитатель']] });
    const empty = await get(`v4/spreadsheets/${id}/values/${encodeURIComponent("'Пустой лист'")}`);
    expect(empty.body).toEqual({ range: "'Пустой лист'!A1:Z1000", majorDimension: 'ROWS' });
    const g = await get(`v4/spreadsheets/${id}?includeGridData=true`);
    expect(g.body.sheets[0].data[0].rowData[3].values[2]).toEqual({ userEnteredValue: { numberValue: 45000 }, effectiveValue: { numberValue: 45000 }, formattedValue: '45000' });
    const masked = await get(`v4/spreadsheets/${id}?fields=${encodeURIComponent('sheets(properties(title),data.rowData.values.effectiveValue)')}`);
    expect(masked.body.sheets[2]).toEqual({ properties: { title: "Дела'2024" }, data: [{ rowData: [{ values: [{ effectiveValue: { stringValue: 'Пункт' } }, { effectiveValue: { stringValue: 'Дата исполнения' } }] }, { values: [{ effectiveValue: { stringValue: '3.1' } }, { effectiveValue: { numberValue: 44986 } }] }] }] });
  });

  it('speaks Google error JSON and Retry-After, and logs no key', async () => {
    fake.failNext(id, 429, 1, { retryAfter: 3 });
    const q = await get(`v4/spreadsheets/${id}`);
    expect(q.status).toBe(429);
    expect(q.headers.get('retry-after')).toBe('3');
    expect(q.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    const bad = await get(`v4/spreadsheets/${id}/values/${encodeURIComponent("'Нет такого'")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
    const nf = await get('v4/spreadsheets/1NoSuchSheet_0');
    expect(nf.body).toEqual({ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
    expect(JSON.stringify(fake.requests)).not.toContain(KEY);
  });

  it('enforces quotaPerMinute with its own clock', async () => {
    const c = { t: 0 };
    const q = await startFakeSheets({ quotaPerMinute: 2, now: () => c.t });
    try {
      q.setSpreadsheet(id, { tabs: ORG_TABS });
      const hit = async () => (await fetch(`${q.url}drive/v3/files/${id}?fields=modifiedTime`)).status;
      expect([await hit(), await hit(), await hit()]).toEqual([200, 200, 429]);
      c.t = 60_001;
      expect(await hit()).toBe(200);
    } finally {
      await q.close();
    }
  });
});
