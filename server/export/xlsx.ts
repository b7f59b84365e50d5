/**
 * The XLSX workbook for the regional report (exceljs): a «Параметры» sheet (period, filters,
 * data freshness, generation time, versions), then one sheet per indicator with the same rows
 * as the API — Russian headers with units, number formats, frozen header, fitted widths, the
 * total row in bold. Aggregates only: no teacher names exist in these rows, and any text that a
 * spreadsheet could run as a formula is neutralized.
 */
import type ExcelJS from 'exceljs';

/** exceljs is loaded when a workbook is first made or read (it costs a server's start ~0.3 s otherwise). */
export const excel = async () => (await import('exceljs')).default;
import { ruDate, serialFromIso } from '../contract/index.ts';
import { localClock, momentDate, ruMoment, zoneLabel } from '../../shared/moment.ts';
import type { Row } from '../db/db.ts';
import { allColumns, type MetricColumn, type MetricDef, type MetricParams } from '../metrics/metrics.ts';
import { isoDay } from '../metrics/period.ts';
import { columnLabel, syncStatusText } from '../../shared/metrics.ts';
import { neutralizeFormula } from './csv.ts';
import { comparedColumns, type ComparedRow, type Period } from '../../shared/compare.ts';

const NUMBER_FORMAT: Partial<Record<MetricColumn['unit'], string>> = {
  'доля': '0.0%',
  'чел.': '0',
  'шт.': '0',
  'ч': '0.0',
  'п.п.': '0.0',
  'дата': 'dd.mm.yyyy',
};

const UNIT_SUFFIX: Partial<Record<MetricColumn['unit'], string>> = {
  'доля': ', %',
  'чел.': ', чел.',
  'ч': ', ч',
  'п.п.': ', п.п.',
};

/** A column's title with its unit, once: «Прирост, п.п.» already says it. */
function unitTitle(title: string, unit: MetricColumn['unit']): string {
  const suffix = UNIT_SUFFIX[unit] ?? '';
  return title.endsWith(suffix) ? title : `${title}${suffix}`;
}

/** What stands for no value in a number or date column: a share with nobody to count is «—» (docs/spec/METRICS.md), as on the page and in the PDF. */
const NO_VALUE = '—';

/** Said on a metric sheet with no organization in it, as the printable report says it. */
export const NO_DATA = 'Нет данных для выбранных организаций и периода.';

/** How a moment shows in a workbook: on the server's clock (its `TZ`), the zone said in the column's title (momentsTitle). */
export const MOMENT_FORMAT = 'dd.mm.yyyy hh:mm';

/**
 * A moment (`YYYY-MM-DD HH:MM:SS`, UTC, as the API gives it) as an Excel serial on the server's
 * clock — the day's and the time as its fraction; null when `v` is none. Excel's dates have no
 * zone: the region's coordinator reads 21:21 of Sayansk, not 13:21 of Greenwich (the printable
 * report, made on the server, shows its clock too).
 */
export function momentSerial(v: unknown): number | null {
  const at = typeof v === 'string' ? momentDate(v) : null;
  if (!at) return null;
  const [, , , h, mi, s] = localClock(at);
  return serialFromIso(isoDay(at)) + (h * 3600 + mi * 60 + s) / 86_400;
}

/**
 * An `as_of` as asked: a day as people write it, ending by the server's clock; a moment on the
 * server's clock with its zone, beside the value asked (to repeat the export). A mailed workbook
 * showed «2026-12-07T22:23:49.840Z», a day «2026-12-08» (acceptance runs).
 */
const askedText = (asked: string): string =>
  /^\d{4}-\d{2}-\d{2}$/.test(asked) ? `${ruDate(asked)} (к концу этого дня по часам сервера)` : momentDate(asked) ? `${asked} — ${ruMoment(asked)}` : asked;

/** A title of moments on the server's clock: «Сформировано, UTC+8». */
export const momentsTitle = (title: string, at: Date): string => `${title}, ${zoneLabel(at)}`;

function cellValue(col: MetricColumn, v: unknown): ExcelJS.CellValue {
  if (v === null || v === undefined) return NUMBER_FORMAT[col.unit] !== undefined || col.kind === 'moment' ? NO_VALUE : null;
  if (col.unit === 'дата' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    // A calendar date as an Excel serial (no JS Date, so no time zone can shift it).
    return serialFromIso(v);
  }
  const at = col.unit === 'дата' ? momentSerial(v) : null;
  if (at !== null) return at;
  if (typeof v === 'boolean') return v ? 'да' : 'нет';
  if (typeof v === 'number') return v;
  return neutralizeFormula(columnLabel(col, String(v)));
}


export interface SheetData {
  def: MetricDef;
  rows: Row[];
}

export interface WorkbookMeta {
  params: MetricParams;
  generatedAt: Date;
  appVersion: string;
  dataVersion: string | null;
  /** Freshness per organization (from data_quality). */
  freshness: Row[];
  /** Period against period: the base period, and per metric its rows joined (sheets «Сравн. …»). */
  comparison?: { base: Period; sheets: { def: MetricDef; rows: ComparedRow[] }[] } | undefined;
}

function fitWidths(ws: ExcelJS.Worksheet): void {
  ws.columns.forEach((column) => {
    let max = 8;
    column.eachCell?.({ includeEmpty: false }, (cell) => {
      const v = cell.value;
      const len = typeof v === 'number' ? 10 : String(v ?? '').length;
      max = Math.max(max, Math.min(len + 2, 60));
    });
    column.width = max;
  });
}

function addMetricSheet(wb: ExcelJS.Workbook, { def, rows }: SheetData, generatedAt: Date): void {
  const ws = wb.addWorksheet(def.short, { views: [{ state: 'frozen', ySplit: 1 }] });
  const cols = allColumns(def);
  const header = ws.addRow(cols.map((c) => (c.kind === 'moment' ? momentsTitle(c.title, generatedAt) : unitTitle(c.title, c.unit))));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'top' };
  // No organization matched (a filter, a period with nothing): said, not a row of zeros «Итого».
  if (!rows.some((r) => r.org !== null)) {
    ws.addRow([NO_DATA]);
    fitWidths(ws);
    ws.getRow(1).height = 32;
    return;
  }
  for (const r of rows) {
    const isTotal = r.org === null;
    const row = ws.addRow(
      cols.map((c) => (c.name === 'org' && isTotal ? 'Итого' : cellValue(c, r[c.name]))),
    );
    cols.forEach((c, i) => {
      const f = c.kind === 'moment' ? MOMENT_FORMAT : NUMBER_FORMAT[c.unit];
      if (f) row.getCell(i + 1).numFmt = f;
    });
    if (isTotal) row.font = { bold: true };
  }
  fitWidths(ws);
  ws.getRow(1).height = 32;
}

function addParamsSheet(wb: ExcelJS.Workbook, meta: WorkbookMeta): void {
  const ws = wb.addWorksheet('Параметры');
  const p = meta.params;
  ws.addRow(['Наставничество: мониторинг — выгрузка для отчёта']).font = { bold: true, size: 14 };
  ws.addRow(['Распоряжение управления образования г. Саянска от 17.02.2023 № 116-26-93']);
  ws.addRow([]);
  const rows: [string, string | number | null][] = [
    ['Период', `с ${ruDate(p.from)} по ${ruDate(p.to)}`],
    ...(meta.comparison
      ? ([
          [
            'Период сравнения',
            `с ${ruDate(meta.comparison.base.from)} по ${ruDate(meta.comparison.base.to)}${meta.comparison.base.as_of && meta.comparison.base.as_of.run !== p.as_of?.run ? `, данные на ${meta.comparison.base.as_of.asked} (синхронизация № ${meta.comparison.base.as_of.run}, завершена ${ruMoment(meta.comparison.base.as_of.finished_at)})` : ''} (листы «Сравн. …»: значения за оба периода и изменение)`,
          ],
        ] as [string, string][])
      : []),
    [
      'Данные на',
      p.as_of
        ? `${askedText(p.as_of.asked)} («Данные на дату», параметр as_of): данные синхронизации № ${p.as_of.run}, завершённой ${ruMoment(p.as_of.finished_at)} — та же выгрузка с этой датой даст те же числа`
        : 'текущие: последняя синхронизация (чтобы повторить выгрузку позже с теми же числами, укажите дату или момент этой выгрузки в поле «Данные на дату» или в параметре as_of)',
    ],
    ['Тип организаций', p.type ?? 'все'],
    ['Организации', p.org.length ? p.org.map(neutralizeFormula).join(', ') : 'все'],
    // A date and time of Excel's (it was ISO text), the zone in the name as on the metric sheets.
    [momentsTitle('Сформировано', meta.generatedAt), momentSerial(meta.generatedAt.toISOString())],
    ['Версия программы', meta.appVersion],
    ['Версия данных (номер синхронизации)', p.as_of ? String(p.as_of.run) : (meta.dataVersion ?? '—')],
    ['Содержание', 'только сводные показатели по организациям, без персональных данных педагогов'],
  ];
  for (const [k, v] of rows) {
    const r = ws.addRow([k, v]);
    r.getCell(1).font = { bold: true };
    // The one number among these rows is a moment («Сформировано»).
    if (typeof v === 'number') r.getCell(2).numFmt = MOMENT_FORMAT;
  }
  ws.addRow([]);
  ws.addRow(['Свежесть данных по организациям']).font = { bold: true };
  // The moment as in the metric sheets: an Excel date and time, its zone in the title (it was ISO text with no zone).
  const head = ws.addRow(['Код', 'Организация', momentsTitle('Последняя успешная загрузка', meta.generatedAt), 'Итог последней попытки', 'Данные устарели']);
  head.font = { bold: true };
  for (const f of meta.freshness) {
    if (f.org === null) continue;
    const row = ws.addRow([
      neutralizeFormula(String(f.org)),
      neutralizeFormula(String(f.org_name ?? '')),
      momentSerial(f.last_success) ?? 'не загружалась',
      f.last_status ? syncStatusText(String(f.last_status)) : '—',
      f.stale ? 'да' : 'нет',
    ]);
    if (typeof row.getCell(3).value === 'number') row.getCell(3).numFmt = MOMENT_FORMAT;
  }
  fitWidths(ws);
}

/**
 * A comparison sheet: per organization (and key), for every count, share and measure, its value
 * in the base period, in the current one, and the change (a share's in percentage points).
 */
function addComparisonSheet(wb: ExcelJS.Workbook, def: MetricDef, rows: readonly ComparedRow[], base: Period, current: Period, used: Set<string>): void {
  let name = `Сравн. ${def.short}`.slice(0, 31);
  for (let i = 2; used.has(name); i++) name = `${`Сравн. ${def.short}`.slice(0, 31 - String(i).length - 1)} ${i}`;
  used.add(name);
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, xSplit: 2 }] });
  // Two dates of the same data name their dates (the periods may be one and the same).
  const period = (x: Period) => `${ruDate(x.from)}–${ruDate(x.to)}${base.as_of?.run !== current.as_of?.run ? `, на ${x.as_of ? x.as_of.asked : 'сейчас'}` : ''}`;
  const cols = comparedColumns(def);
  const head: string[] = ['Код организации', 'Организация', 'Тип', ...def.keys.map((k) => k.title)];
  for (const c of cols) {
    const titled = unitTitle(c.title, c.unit);
    // A share changes by percentage points.
    head.push(`${titled}: ${period(base)}`, `${titled}: ${period(current)}`, unitTitle(`${c.title}: изменение`, c.unit === 'доля' ? 'п.п.' : c.unit));
  }
  const header = ws.addRow(head);
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'top' };
  for (const r of rows) {
    const values: ExcelJS.CellValue[] = [
      r.org === null ? 'Итого' : neutralizeFormula(r.org),
      r.org_name === null ? null : neutralizeFormula(r.org_name),
      r.org_type === null ? null : neutralizeFormula(r.org_type),
      ...def.keys.map((k) => (r.keys[k.name] === null || r.keys[k.name] === undefined ? null : neutralizeFormula(String(r.keys[k.name])))),
    ];
    const formats: (string | undefined)[] = values.map(() => undefined);
    for (const c of cols) {
      const v = r.values[c.name]!;
      const f = NUMBER_FORMAT[c.unit];
      const none = (x: number | null) => (x === null ? NO_VALUE : x);
      values.push(none(v.base), none(v.current), v.delta === null ? NO_VALUE : c.unit === 'доля' ? Number((v.delta * 100).toPrecision(12)) : v.delta);
      formats.push(f, f, c.unit === 'доля' ? '+0.0;-0.0;0.0' : c.unit === 'ч' || c.unit === 'п.п.' ? '+0.0;-0.0;0.0' : '+0;-0;0');
    }
    const row = ws.addRow(values);
    formats.forEach((f, i) => {
      if (f) row.getCell(i + 1).numFmt = f;
    });
    if (r.org === null) row.font = { bold: true };
  }
  fitWidths(ws);
  ws.getRow(1).height = 48;
}

export async function buildWorkbook(sheets: SheetData[], meta: WorkbookMeta): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'Наставничество: мониторинг';
  wb.created = meta.generatedAt;
  addParamsSheet(wb, meta);
  for (const s of sheets) addMetricSheet(wb, s, meta.generatedAt);
  if (meta.comparison) {
    const used = new Set(sheets.map((s) => s.def.short));
    for (const c of meta.comparison.sheets) addComparisonSheet(wb, c.def, c.rows, meta.comparison.base, meta.params, used);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
