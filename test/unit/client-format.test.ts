/**
 * Pure parts of the client: Russian number and date formatting, and the filters kept in the
 * URL. The page itself is tested in Chromium (test/e2e/engagement-page.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { EMPTY, FOR_TEACHERS, OF_ORGS, formatDate, formatDateTime, formatInteger, formatNumber, formatPercent, plural, zoneLabel } from '../../client/format.ts';
import { cellText } from '../../client/changes.ts';
import { formatValue } from '../../client/table.ts';
import { METRICS } from '../../shared/metrics.ts';
import { academicYears, defaultFilters, droppedFromQuery, filtersFromQuery, filtersToQuery, monthEndOf, yearEarlier } from '../../client/filters.ts';

/** Output uses no-break spaces; compare as the user reads it. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('times', () => {
  it('reads a UTC wall clock (DuckDB, «Z») and brings a moment with its own offset to UTC (this project runs in UTC)', () => {
    expect(formatDateTime('2025-05-14 20:00:00')).toBe('14.05.2025 20:00');
    expect(formatDateTime('2025-05-14T20:00:00.000Z')).toBe('14.05.2025 20:00');
    // 20:00 at +03:00 is 17:00 UTC.
    expect(formatDateTime('2025-05-14T20:00:00+03:00')).toBe('14.05.2025 17:00');
    expect(formatDateTime(null)).toBe(EMPTY);
  });
});

describe('table cells of the data_quality metric (the printed report)', () => {
  it('show the last load as a moment in the reader\'s zone and its outcome in words, as the dashboard does', () => {
    const quality = METRICS.find((m) => m.name === 'data_quality')!;
    const column = (name: string) => quality.columns.find((c) => c.name === name)!;
    // The report printed «14.05.2025» and «unchanged» where the dashboard said «15.05.2025 04:00» (at UTC+8) and «без изменений».
    expect(formatValue(column('last_success'), '2025-05-14 20:00:00')).toBe('14.05.2025 20:00'); // this project runs in UTC
    expect(formatValue(column('last_status'), 'unchanged')).toBe('без изменений');
    expect(formatValue(column('last_status'), 'failed')).toBe('не удалось');
  });
});

describe('Russian formatting', () => {
  it('agrees a noun after a count as the sentence needs it: «из 1 организации», «на 83 педагога»', () => {
    // It read «из 1 организаций» and «на 83 педагогов» (an acceptance run). Genitive after «из N»:
    // 1 and 21 take the singular, the rest the plural; accusative (animate) after «на N»: 1, 2–4,
    // 21–24, 83 — «педагога», 5–20, 25–30 — «педагогов».
    expect([1, 2, 5, 11, 21].map((n) => plural(n, OF_ORGS))).toEqual(['организации', 'организаций', 'организаций', 'организаций', 'организации']);
    expect([1, 3, 5, 11, 21, 83, 100].map((n) => plural(n, FOR_TEACHERS))).toEqual(['педагога', 'педагога', 'педагогов', 'педагогов', 'педагога', 'педагога', 'педагогов']);
  });

  it('prints a ratio as a percent with one decimal and a space before the sign', () => {
    expect(plain(formatPercent(0.425))).toBe('42,5 %'); // 17 / 40
    expect(plain(formatPercent(60 / 181))).toBe('33,1 %'); // 0.33149…
    expect(plain(formatPercent(1))).toBe('100,0 %');
    expect(plain(formatPercent(0))).toBe('0,0 %');
  });

  it('rounds half away from zero on the decimal value, not on binary noise', () => {
    // 0.4125 * 1000 is 412.49999… in binary; people expect 41,25 → 41,3.
    expect(plain(formatPercent(0.4125))).toBe('41,3 %');
    expect(plain(formatNumber(2.25, 1))).toBe('2,3');
    expect(plain(formatNumber(-2.25, 1))).toBe('−2,3');
    // Rounded to zero: no minus sign.
    expect(plain(formatNumber(-0.01, 1))).toBe('0,0');
  });

  it('separates thousands with a space, four-digit numbers too', () => {
    expect(plain(formatInteger(1000))).toBe('1 000');
    expect(plain(formatInteger(60000))).toBe('60 000');
    expect(plain(formatInteger(1234567))).toBe('1 234 567');
    expect(plain(formatNumber(1234.56, 1))).toBe('1 234,6');
    expect(formatInteger(999)).toBe('999');
  });

  it('shows "—" for a missing value, never 0 or NaN', () => {
    expect(formatPercent(null)).toBe(EMPTY);
    expect(formatPercent(Number.NaN)).toBe(EMPTY);
    expect(formatInteger(undefined)).toBe(EMPTY);
    expect(formatDate(null)).toBe(EMPTY);
  });

  it('prints dates as дд.мм.гггг without going through a time zone', () => {
    expect(formatDate('2023-09-30')).toBe('30.09.2023');
    expect(formatDate('2024-02-29')).toBe('29.02.2024');
  });
});

describe('filters in the URL', () => {
  const today = new Date(2024, 9, 15); // 15.10.2024, local time

  it('defaults to the academic year containing today', () => {
    expect(defaultFilters(today)).toEqual({ from: '2024-09-01', to: '2025-08-31', type: null, orgs: [] });
    expect(defaultFilters(new Date(2024, 7, 31)).from).toBe('2023-09-01'); // 31 August: still 2023/24
    expect(defaultFilters(new Date(2024, 8, 1)).from).toBe('2024-09-01'); // 1 September: 2024/25
  });

  it('offers academic years from 2023/24 up to the current one', () => {
    expect(academicYears(today)).toEqual([
      { label: '2023/24', from: '2023-09-01', to: '2024-08-31' },
      { label: '2024/25', from: '2024-09-01', to: '2025-08-31' },
    ]);
  });

  it('reads and writes the same query, with repeated org', () => {
    const search = '?from=2023-09-01&to=2024-08-31&type=%D0%A8%D0%BA%D0%BE%D0%BB%D0%B0&org=%D0%A1%D0%9E%D0%A8-2&org=%D0%94%D0%9E%D0%A3-1';
    const filters = filtersFromQuery(search, today);
    expect(filters).toEqual({ from: '2023-09-01', to: '2024-08-31', type: 'Школа', orgs: ['СОШ-2', 'ДОУ-1'], compare: null, asOf: null });
    expect(`?${filtersToQuery(filters).toString()}`).toBe(search);
  });

  it('keeps a comparison period in the query; drops one that is half given, impossible or reversed', () => {
    const search = '?from=2024-09-01&to=2025-08-31&cmp_from=2023-09-01&cmp_to=2024-08-31';
    const filters = filtersFromQuery(search, today);
    expect(filters.compare).toEqual({ from: '2023-09-01', to: '2024-08-31' });
    expect(`?${filtersToQuery(filters).toString()}`).toBe(search);
    expect(filtersFromQuery('?cmp_from=2023-09-01', today).compare).toBeNull();
    expect(filtersFromQuery('?cmp_from=2023-02-30&cmp_to=2024-08-31', today).compare).toBeNull();
    expect(filtersFromQuery('?cmp_from=2024-08-31&cmp_to=2023-09-01', today).compare).toBeNull();
  });

  it('keeps «Данные на дату» (as_of) and the comparison’s date (cmp_as_of) in the query; drops one that is no date', () => {
    const search = '?from=2024-09-01&to=2025-08-31&cmp_from=2024-09-01&cmp_to=2025-08-31&cmp_as_of=2025-01-31&as_of=2025-05-14';
    const filters = filtersFromQuery(search, today);
    expect(filters.asOf).toBe('2025-05-14');
    expect(filters.compare).toEqual({ from: '2024-09-01', to: '2025-08-31', asOf: '2025-01-31' });
    expect(`?${filtersToQuery(filters).toString()}`).toBe(search);
    // A moment (a link from a report) is kept as the API takes it; no date, or no such day, is dropped.
    expect(filtersFromQuery('?as_of=2025-05-14T18:00:00%2B08:00', today).asOf).toBe('2025-05-14T18:00:00+08:00');
    expect(filtersFromQuery('?as_of=2025-02-30', today).asOf).toBeNull();
    expect(filtersFromQuery('?as_of=вчера', today).asOf).toBeNull();
  });

  it('with «Данные на дату» and no period takes the academic year of that date, as the API does (a link showed the year after it)', () => {
    // Today is 15.10.2024 (2024/25). As of 14.05.2024: 2023/24.
    expect(filtersFromQuery('?as_of=2024-05-14', today)).toMatchObject({ from: '2023-09-01', to: '2024-08-31', asOf: '2024-05-14' });
    expect(filtersFromQuery('?as_of=2024-05-14T20:00:00Z', today)).toMatchObject({ from: '2023-09-01', to: '2024-08-31' });
    // A date to come: today's year (the data is today's); a period given: kept.
    expect(filtersFromQuery('?as_of=2030-01-01', today)).toMatchObject({ from: '2024-09-01', to: '2025-08-31' });
    expect(filtersFromQuery('?from=2024-09-01&to=2025-08-31&as_of=2024-05-14', today)).toMatchObject({ from: '2024-09-01', to: '2025-08-31' });
  });

  it('a year earlier: the same days, 29 February → 28 February', () => {
    expect(yearEarlier({ from: '2024-09-01', to: '2025-08-31' })).toEqual({ from: '2023-09-01', to: '2024-08-31' });
    expect(yearEarlier({ from: '2024-02-29', to: '2024-12-31' })).toEqual({ from: '2023-02-28', to: '2023-12-31' });
    expect(yearEarlier({ from: '2025-01-01', to: '2025-03-31' })).toEqual({ from: '2024-01-01', to: '2024-03-31' });
  });

  it('replaces a malformed or impossible date by the default, keeps the rest', () => {
    const filters = filtersFromQuery('?from=2023-02-30&to=31.08.2024&org=СОШ-2', today);
    expect(filters).toEqual({ from: '2024-09-01', to: '2025-08-31', type: null, orgs: ['СОШ-2'], compare: null, asOf: null });
  });

  it('names what it dropped, so that the page can say which part of the link was not understood', () => {
    expect(droppedFromQuery('?from=2023-02-30&to=31.08.2024&org=СОШ-2')).toEqual(['from=2023-02-30', 'to=31.08.2024']);
    expect(droppedFromQuery('?from=2024-09-01&to=2025-08-31&cmp_from=2025-05-01&cmp_to=2025-01-01')).toEqual(['cmp_from=2025-05-01 позже cmp_to=2025-01-01']);
    expect(droppedFromQuery('?cmp_from=2023-09-01')).toEqual(['cmp_from=2023-09-01 без cmp_to']);
    expect(droppedFromQuery('?as_of=2026-99-99&cmp_as_of=вчера')).toEqual(['as_of=2026-99-99', 'cmp_as_of=вчера']);
    // A good link, and an empty field of a form, drop nothing.
    expect(droppedFromQuery('?from=2024-09-01&to=2025-08-31&cmp_from=2023-09-01&cmp_to=2024-08-31&as_of=2025-05-14T18:00:00%2B08:00&type=')).toEqual([]);
  });
});

describe('a cell in the change log', () => {
  it('reads as the school typed it: dates дд.мм.гггг, Да/Нет, lists with «;», numbers with a comma, an empty cell as a dash', () => {
    expect(cellText('2024-02-01')).toBe('01.02.2024');
    expect([cellText(true), cellText(false)]).toEqual(['Да', 'Нет']);
    expect(cellText(['Предметное содержание', 'Методика обучения и преподавания'])).toBe('Предметное содержание; Методика обучения и преподавания');
    // 1,5 years of experience; 1234 hours grouped as the tables group thousands.
    expect(cellText(1.5)).toBe(formatNumber(1.5, 2));
    expect(cellText(1.5)).toContain(',');
    expect(cellText(1234)).toBe(formatInteger(1234));
    expect([cellText(null), cellText('')]).toEqual([EMPTY, EMPTY]);
    // Text that only looks like a date in part stays as typed.
    expect(cellText('Приказ № 12 от 2024-02-01 г.')).toBe('Приказ № 12 от 2024-02-01 г.');
  });
});

describe('monthEndOf', () => {
  it('gives the last day of the month of a day, as the monthly trend counts month ends (leap February, December, whatever the time zone)', () => {
    expect(monthEndOf('2024-02-10')).toBe('2024-02-29');
    expect(monthEndOf('2025-02-01')).toBe('2025-02-28');
    expect(monthEndOf('2026-07-15')).toBe('2026-07-31');
    expect(monthEndOf('2026-12-31')).toBe('2026-12-31');
    // 15.07–20.07: no month end inside the period — the overview says so instead of «no organizations».
    expect(monthEndOf('2026-07-15') > '2026-07-20').toBe(true);
  });
});

describe('zoneLabel', () => {
  it('names the zone of the page’s clock: UTC, or its offset in hours and minutes', () => {
    const at = (offsetMinutes: number) => ({ getTimezoneOffset: () => offsetMinutes }) as Date;
    // This project runs under TZ=UTC.
    expect(zoneLabel()).toBe('UTC');
    // getTimezoneOffset is UTC minus local: −480 is Irkutsk (UTC+8), 330 is UTC−5:30.
    expect(zoneLabel(at(-480))).toBe('UTC+8');
    expect(zoneLabel(at(330))).toBe('UTC−5:30');
    expect(zoneLabel(at(-345))).toBe('UTC+5:45');
  });
});

describe('an account’s organization in the lists of accounts and tokens', () => {
  it('names the organization, and says so when its code is not among the registry’s (renamed there: the account sees nothing)', async () => {
    const { orgName } = await import('../../client/accountForm.ts');
    const orgs: Parameters<typeof orgName>[0] = [{ code: 'СОШ-1', name: 'МОУ СОШ № 1', type: 'Школа', active: true }];
    expect(orgName(orgs, 'СОШ-1')).toBe('МОУ СОШ № 1');
    expect(orgName(orgs, null)).toBe('—');
    expect(orgName(orgs, 'СОШ-01')).toBe(
      'СОШ-01 — такой организации нет в реестре (или она неактивна и без данных): учётная запись не увидит данных; укажите ей действующий код',
    );
  });
});
