/**
 * «Журнал изменений» on an organization's page (issue #20, part 3): what each of its last syncs
 * changed in its sheet — per tab, rows added, removed, changed (which cells, old → new) — from
 * `GET /api/orgs/:code/changes`. Not for a regional account (the rows name people).
 */
import type { CellValue, SyncChanges, TabChanges } from '../shared/changes.ts';
import { fetchJson } from './api.ts';
import { h } from './dom.ts';
import { EMPTY, formatDate, formatDateTime, formatInteger, formatNumber, plural } from './format.ts';

const ROWS = ['строка', 'строки', 'строк'] as const;

/** The organization's change log (the API checks who may read it). */
export async function getChanges(code: string, signal?: AbortSignal): Promise<SyncChanges[]> {
  const body = (await fetchJson(`/api/orgs/${encodeURIComponent(code)}/changes`, signal)) as { syncs?: unknown };
  return Array.isArray(body.syncs) ? (body.syncs as SyncChanges[]) : [];
}

/** A cell as the school typed it: dates дд.мм.гггг, Да/Нет, lists with «;», an empty cell as a dash. */
export function cellText(value: CellValue): string {
  if (value === null || value === '') return EMPTY;
  if (typeof value === 'boolean') return value ? 'Да' : 'Нет';
  if (typeof value === 'number') return Number.isInteger(value) ? formatInteger(value) : formatNumber(value, 2);
  if (Array.isArray(value)) return value.join('; ');
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? formatDate(value) : value;
}

function tabSummary(t: TabChanges): string {
  if (t.first_load !== null) return `первая загрузка листа: ${formatInteger(t.first_load)} ${plural(t.first_load, ROWS)}`;
  const corrected = t.added.filter((r) => r.corrected).length;
  const held = t.removed.filter((r) => r.quarantined).length;
  const parts = [
    t.added.length > corrected ? `добавлено ${t.added.length - corrected}` : null,
    corrected ? `исправлено после ошибок ${corrected}` : null,
    t.changed.length ? `изменено ${t.changed.length}` : null,
    t.removed.length > held ? `удалено ${t.removed.length - held}` : null,
    held ? `не прошло проверку ${held}` : null,
  ].filter(Boolean);
  return parts.join(', ');
}

function tabBlock(t: TabChanges): HTMLElement {
  const items: HTMLElement[] = [];
  for (const r of t.added) {
    items.push(
      r.corrected
        ? h('li', { className: 'change change--added' }, h('strong', {}, 'Исправлена и загружена: '), `${r.name} (строка ${r.row_no}; до этого не проходила проверку)`)
        : h('li', { className: 'change change--added' }, h('strong', {}, 'Добавлена: '), `${r.name} (строка ${r.row_no})`),
    );
  }
  for (const r of t.changed) {
    const cells = r.columns.map((c) => `${c.title}: ${cellText(c.old)} → ${cellText(c.new)}`);
    items.push(
      h('li', { className: 'change change--changed' }, h('strong', {}, 'Изменена: '), `${r.name} (строка ${r.row_no})`, cells.length ? `: ${cells.join('; ')}` : ''),
    );
  }
  for (const r of t.removed) {
    items.push(
      r.quarantined
        ? h('li', { className: 'change change--held' }, h('strong', {}, 'Не прошла проверку: '), `${r.name} (была строка ${r.row_no}) — строка есть в таблице, но не загружена; причина — в «Качестве данных»`)
        : h('li', { className: 'change change--removed' }, h('strong', {}, 'Удалена: '), `${r.name} (была строка ${r.row_no})`),
    );
  }
  return h(
    'div',
    { className: 'changes__tab' },
    h('p', {}, h('strong', {}, `«${t.title}»`), ` — ${tabSummary(t)}`),
    ...(items.length ? [h('ul', { className: 'issue-list' }, ...items)] : []),
  );
}

/** The log, newest sync first. */
export function changesBox(syncs: readonly SyncChanges[]): HTMLElement {
  if (!syncs.length) return h('p', { className: 'changes__empty' }, 'Изменений пока нет: история строк ведётся с первой загрузки организации.');
  return h(
    'div',
    { className: 'changes', id: 'changes' },
    ...syncs.map((s) =>
      h(
        'section',
        { className: 'changes__sync', attrs: { 'data-run': String(s.run_id) } },
        h('h3', { className: 'changes__when' }, `Синхронизация ${formatDateTime(s.at)}`),
        ...s.tabs.map(tabBlock),
      ),
    ),
  );
}

/** `GET /api/changes`: the organizations whose data changed since the last report (or a day). */
export interface ChangedSince {
  since: string | null;
  basis: 'report' | 'date' | 'all';
  /** `data_at`: when its figures stood (an export `as_of` a past sync: that sync's end). */
  report: { at: string; action: string; data_at?: string } | null;
  orgs: { org: string; name: string | null; added: number; changed: number; removed: number; last_change: string }[];
}

export async function getChangedSince(signal?: AbortSignal): Promise<ChangedSince> {
  return (await fetchJson('/api/changes', signal)) as ChangedSince;
}

const REPORT_TITLES: Record<string, string> = { export_xlsx: 'выгрузки XLSX', export_pdf: 'печатного отчёта', mail: 'рассылки в регион' };

/** The overview's list: which organizations changed their data since the last report, with links to their change logs. */
export function changedSinceBox(c: ChangedSince, orgHref: (code: string) => string): HTMLElement[] {
  const basis =
    c.basis === 'report' && c.report
      ? `после последнего отчёта в регион (${REPORT_TITLES[c.report.action] ?? 'отчёта'} ${formatDateTime(c.report.at)}${
          c.report.data_at && c.report.data_at !== c.report.at ? ` с данными на ${formatDateTime(c.report.data_at)}` : ''
        })`
      : c.basis === 'date' && c.since
        ? `с ${formatDate(c.since)}`
        : 'за всё время (отчётов в регион ещё не выгружали)';
  if (!c.orgs.length) return [h('p', {}, `Данные организаций не менялись ${basis}.`)];
  const count = (n: number, what: string) => (n ? `${what} ${formatInteger(n)}` : null);
  return [
    h('p', {}, `Изменили данные ${basis}: ${formatInteger(c.orgs.length)} ${plural(c.orgs.length, ['организация', 'организации', 'организаций'])}.`),
    h(
      'ul',
      { className: 'issue-list', id: 'changed-orgs' },
      ...c.orgs.map((o) =>
        h(
          'li',
          { attrs: { 'data-org': o.org } },
          h('a', { attrs: { href: orgHref(o.org) } }, o.name ?? o.org),
          ` (${o.org}): строк ${[count(o.added, 'добавлено'), count(o.changed, 'изменено'), count(o.removed, 'удалено')].filter(Boolean).join(', ')}; последнее изменение ${formatDateTime(o.last_change)}`,
        ),
      ),
    ),
  ];
}
