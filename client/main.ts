/**
 * The page shell: navigation between pages without reloading, filters kept in the URL,
 * loading state and the page-wide error box. The current page (`pages/`) draws the data.
 * Every filter change and every page change pushes a history entry, so the browser's Back
 * returns to the previous view, and a reload or a shared link restores it.
 */
import { asSentence, downloadFile, forgetAnswers, getMetric, getMetrics, getOrgs, isAbortError, type DataQualityRow, type MetricInfo, type Org } from './api.ts';
import { h } from './dom.ts';
import { MetricCatalog } from './catalog.ts';
import { OrgDirectory } from './directory.ts';
import {
  academicYears,
  calendarYears,
  filtersFromQuery,
  droppedFromQuery,
  filtersToQuery,
  isoToday,
  sameFilters,
  yearEarlier,
  type AcademicYear,
  type Filters,
} from './filters.ts';
import { formatAsOf, formatDate } from './format.ts';
import { momentDate } from '../shared/moment.ts';
import { messageOf } from './panel.ts';
import { createCompliancePage } from './pages/compliance.ts';
import { createDataQualityPage } from './pages/dataQuality.ts';
import { createEngagementPage } from './pages/engagement.ts';
import { createOrgPage } from './pages/org.ts';
import { createOrganizationsPage } from './pages/organizations.ts';
import { createOverviewPage } from './pages/overview.ts';
import { exportHref, NAV_ITEMS, pageHref, REPORT_PATH, routeOf, sameRoute, type Page, type PageContext, type Route } from './pages/page.ts';
import { createProfessionalDevelopmentPage } from './pages/professionalDevelopment.ts';
import { createProgramsPage } from './pages/programs.ts';
import { createUsersPage } from './pages/users.ts';
import { createOperationsPage } from './pages/operations.ts';
import { ComparePanel, comparableOf } from './compare.ts';
import { createPeoplePage } from './pages/people.ts';
import { createPracticesPage } from './pages/practices.ts';
import { REPORT_TITLE, showReport } from './pages/report.ts';
import { reversedPeriodProblem } from '../shared/period.ts';
import { COORDINATOR_PAGES, LOGIN_PATH, NAMED_PAGES, PASSWORD_PATH, SUMMARY_PATH } from '../shared/routes.ts';
import { SUMMARY_TITLE, showSummary } from './pages/summary.ts';
import { loadSession, onPasswordChangeRequired, onUnauthenticated, renderAccount, session, showLogin, showPasswordChange } from './session.ts';
import { DATA_CHANGED_EVENT } from './reread.ts';

const SITE_TITLE = 'Наставничество: мониторинг';

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing from index.html`);
  return found;
}

const ui = {
  main: element('main', HTMLElement),
  nav: element('nav', HTMLUListElement),
  title: element('page-title', HTMLHeadingElement),
  description: element('page-description', HTMLParagraphElement),
  filtersBox: element('filters-box', HTMLDetailsElement),
  filtersSummary: element('filters-summary', HTMLSpanElement),
  form: element('filters', HTMLFormElement),
  from: element('filter-from', HTMLInputElement),
  to: element('filter-to', HTMLInputElement),
  years: element('academic-years', HTMLDivElement),
  calendarYears: element('calendar-years', HTMLDivElement),
  type: element('filter-type', HTMLSelectElement),
  orgFilter: element('org-filter', HTMLFieldSetElement),
  orgPicker: element('org-picker', HTMLDetailsElement),
  orgSummary: element('org-summary', HTMLElement),
  orgList: element('org-list', HTMLDivElement),
  orgClear: element('org-clear', HTMLButtonElement),
  filtersNote: element('filters-note', HTMLParagraphElement),
  asOf: element('filter-as-of', HTMLInputElement),
  asOfBanner: element('as-of-banner', HTMLDivElement),
  asOfText: element('as-of-text', HTMLSpanElement),
  periodBanner: element('period-banner', HTMLDivElement),
  periodText: element('period-text', HTMLSpanElement),
  periodToday: element('period-today', HTMLButtonElement),
  asOfClear: element('as-of-clear', HTMLButtonElement),
  exportLink: element('export-link', HTMLAnchorElement),
  downloadError: element('download-error', HTMLParagraphElement),
  reportLink: element('report-link', HTMLAnchorElement),
  summaryLink: element('summary-link', HTMLAnchorElement),
  error: element('error', HTMLDivElement),
  results: element('results', HTMLElement),
  status: element('status', HTMLParagraphElement),
  content: element('page-content', HTMLDivElement),
  account: element('account', HTMLDivElement),
  compareFilter: element('compare-filter', HTMLDivElement),
  compare: element('filter-compare', HTMLSelectElement),
  compareDates: element('compare-dates', HTMLDivElement),
  compareFrom: element('compare-from', HTMLInputElement),
  compareTo: element('compare-to', HTMLInputElement),
  compareAsOfBox: element('compare-as-of-box', HTMLLabelElement),
  compareAsOf: element('compare-as-of', HTMLInputElement),
  compareBox: element('compare-box', HTMLDivElement),
  demoBanner: element('demo-banner', HTMLParagraphElement),
  typeGroup: element('filter-type', HTMLSelectElement).closest('.filters__group') as HTMLElement,
};

/** Pages a regional account does not see (the server refuses them too): they list names. */
const REGION_HIDDEN = new Set(NAMED_PAGES);

/** A school's account sees its own organization: every view is filtered to it (the server enforces it too). */
function scoped(f: Filters): Filters {
  const s = session();
  return s?.role === 'school' && s.org ? { ...f, type: null, orgs: [s.org] } : f;
}

function navItems() {
  const s = session();
  return NAV_ITEMS.filter(
    (item) =>
      !(s?.role === 'region' && REGION_HIDDEN.has(item.path)) &&
      !(COORDINATOR_PAGES.includes(item.path) && (s?.role !== 'coordinator' || s.read_only)),
  );
}

let filters: Filters = filtersFromQuery(location.search, new Date());
let orgs: readonly Org[] = [];
let context: PageContext | null = null;
let route: Route | null = null;
let page: Page | null = null;
let inFlight: AbortController | null = null;

// ---------------------------------------------------------------- state shown to the user

type ViewState = 'loading' | 'ready' | 'error';

function setState(state: ViewState, errorMessage?: string): void {
  ui.main.dataset.state = state;
  ui.results.setAttribute('aria-busy', String(state === 'loading'));
  ui.status.hidden = state !== 'loading';
  ui.error.hidden = state !== 'error';
  ui.error.textContent = state === 'error' ? (errorMessage ?? '') : '';
}

// ---------------------------------------------------------------- navigation

/** Links keep the filters, so switching pages keeps the period and the organizations. */
function renderNav(): void {
  const current = page?.navPath ?? null;
  ui.nav.replaceChildren(
    ...navItems().map((item) => {
      const li = document.createElement('li');
      const link = document.createElement('a');
      link.href = pageHref(item.path, filters);
      link.textContent = item.title;
      if (item.path === current) link.setAttribute('aria-current', 'page');
      li.append(link);
      return li;
    }),
  );
  // On a phone the bar scrolls sideways: the current page's link is brought into view.
  const active = ui.nav.querySelector<HTMLElement>('[aria-current="page"]');
  if (active && ui.nav.scrollWidth > ui.nav.clientWidth) {
    ui.nav.scrollLeft = Math.max(0, active.offsetLeft - ui.nav.offsetLeft - (ui.nav.clientWidth - active.offsetWidth) / 2);
  }
}

function createPage(target: Route, ctx: PageContext): Page {
  if (target.kind === 'org') return createOrgPage(ui.content, ctx, target.code);
  switch (target.kind === 'nav' ? target.path : '/') {
    case '/organizations':
      return createOrganizationsPage(ui.content, ctx);
    case '/engagement':
      return createEngagementPage(ui.content, ctx);
    case '/professional-development':
      return createProfessionalDevelopmentPage(ui.content, ctx);
    case '/programs':
      return createProgramsPage(ui.content, ctx);
    case '/compliance':
      return createCompliancePage(ui.content, ctx);
    case '/data-quality':
      return createDataQualityPage(ui.content, ctx);
    case '/users':
      return createUsersPage(ui.content, ctx);
    case '/operations':
      return createOperationsPage(ui.content, ctx);
    case '/people':
      return createPeoplePage(ui.content, ctx);
    case '/practices':
      return createPracticesPage(ui.content, ctx);
    default:
      return createOverviewPage(ui.content, ctx);
  }
}

/** Makes the page the path names current (if it is not already); true when the page changed. */
function applyRoute(ctx: PageContext): boolean {
  const next = routeOf(location.pathname);
  if (page && route && sameRoute(next, route)) return false;
  inFlight?.abort();
  page?.dispose();
  route = next;
  page = createPage(next, ctx);
  ui.title.textContent = page.title;
  document.title = `${page.title} — ${SITE_TITLE}`;
  ui.description.textContent = page.description ?? '';
  ui.description.hidden = !page.description;
  ui.form.dataset.scope = page.scope;
  document.body.dataset.scope = page.scope;
  ui.filtersBox.dataset.scope = page.scope;
  return true;
}

/** A click on a link to another page of the dashboard: no reload, a history entry instead. */
function onDocumentClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a') : null;
  if (link?.hasAttribute('download') && new URL(link.href, location.href).pathname.startsWith('/api/')) {
    event.preventDefault();
    void download(link);
    return;
  }
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || routeOf(url.pathname).kind === 'unknown') return;
  event.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search) return;
  history.pushState(null, '', `${url.pathname}${url.search}`);
  onLocationChange(true);
}

/**
 * A file link of the API (the workbook, a register's CSV): fetched first, saved when it comes,
 * and a refusal said next to the page's actions in the server's words (a bad period or an
 * error was a cancelled `export.json` and nothing on the page).
 */
async function download(link: HTMLAnchorElement): Promise<void> {
  if (link.getAttribute('aria-busy') === 'true') return;
  link.setAttribute('aria-busy', 'true');
  ui.downloadError.hidden = true;
  try {
    const { blob, name } = await downloadFile(link.href);
    const url = URL.createObjectURL(blob);
    const save = h('a', { attrs: { href: url, download: name }, hidden: true });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    ui.downloadError.textContent = `Файл не выгружен. ${error instanceof Error ? error.message : String(error)}`;
    ui.downloadError.hidden = false;
  } finally {
    link.removeAttribute('aria-busy');
  }
}

/** The URL changed (a link, Back/Forward): filters and page from it, then the data. */
function onLocationChange(scrollToTop: boolean): void {
  // The report's table of contents moves within the page (a popstate too): nothing to redraw.
  if (!context || document.body.dataset.view === 'report') return;
  filters = scoped(filtersFromQuery(location.search, context.today));
  const changed = applyRoute(context);
  syncInputs();
  if (changed && scrollToTop) window.scrollTo(0, 0);
  void load();
}

// ---------------------------------------------------------------- filters ⇄ inputs

function presetButton(year: AcademicYear, title: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'chip';
  button.textContent = year.label;
  button.title = title;
  button.dataset.from = year.from;
  button.dataset.to = year.to;
  button.addEventListener('click', () => changeFilters({ ...filters, from: year.from, to: year.to }));
  return button;
}

function renderPresets(today: Date): void {
  ui.years.replaceChildren(
    ...academicYears(today).map((year) =>
      presetButton(year, `Учебный год: 01.09.${year.from.slice(0, 4)} — 31.08.${year.to.slice(0, 4)}`),
    ),
  );
  ui.calendarYears.replaceChildren(
    ...calendarYears(today).map((year) => presetButton(year, `Календарный год: 01.01.${year.label} — 31.12.${year.label}`)),
  );
}

function renderTypeOptions(): void {
  const types = [...new Set(orgs.map((org) => org.type))].sort((a, b) => a.localeCompare(b, 'ru'));
  // A type from a shared link that the registry no longer has stays selectable, so the view is honest about its filter.
  if (filters.type && !types.includes(filters.type)) types.push(filters.type);
  const all = document.createElement('option');
  all.value = '';
  all.textContent = 'Все типы';
  ui.type.replaceChildren(
    all,
    ...types.map((type) => {
      const option = document.createElement('option');
      option.value = type;
      option.textContent = type;
      return option;
    }),
  );
}

/** Organizations of the chosen type, plus any selected code the registry does not know (it can be unticked). */
function visibleOrgs(): Org[] {
  const listed = orgs.filter((org) => filters.type === null || org.type === filters.type);
  const known = new Set(orgs.map((org) => org.code));
  const unknown = filters.orgs
    .filter((code) => !known.has(code))
    .map((code): Org => ({ code, name: code, type: '', active: false }));
  return [...listed, ...unknown];
}

function renderOrgList(): void {
  // The list is built anew after each choice: the checkbox just toggled keeps the focus (it fell
  // to the page, and the next Tab went to the first organization: an outside review).
  const active = document.activeElement;
  const focused = active instanceof HTMLInputElement && ui.orgList.contains(active) ? active.value : null;
  ui.orgList.replaceChildren(
    ...visibleOrgs().map((org) => {
      const label = document.createElement('label');
      label.className = 'org-option';
      const checkbox = document.createElement('input');
      checkbox.type = 'checkbox';
      checkbox.value = org.code;
      checkbox.checked = filters.orgs.includes(org.code);
      checkbox.addEventListener('change', onOrgToggle);
      const name = document.createElement('span');
      name.textContent = org.active ? org.name : `${org.name} (не активна)`;
      const code = document.createElement('span');
      code.className = 'org-option__code';
      code.textContent = org.stale ? `⚠ ${org.code}` : org.code;
      label.append(checkbox, name, code);
      return label;
    }),
  );
  if (focused !== null) [...ui.orgList.querySelectorAll<HTMLInputElement>('input[type=checkbox]')].find((c) => c.value === focused)?.focus();
}

function orgSummaryText(): string {
  if (filters.orgs.length === 0) return 'Все организации';
  if (filters.orgs.length === 1) {
    const code = filters.orgs[0] ?? '';
    return orgs.find((org) => org.code === code)?.name ?? code;
  }
  return `Выбрано организаций: ${filters.orgs.length}`;
}

/** One line for the folded filters on a phone: "Учебный год 2024/25 · Все организации". */
function filtersSummaryText(): string {
  const today = context?.today ?? new Date();
  const academic = academicYears(today).find((year) => year.from === filters.from && year.to === filters.to);
  const calendar = calendarYears(today).find((year) => year.from === filters.from && year.to === filters.to);
  const period = academic
    ? `учебный год ${academic.label}`
    : calendar
      ? `${calendar.label} год`
      : `${formatDate(filters.from)} — ${formatDate(filters.to)}`;
  const compare = filters.compare
    ? `сравнение с ${formatDate(filters.compare.from)} — ${formatDate(filters.compare.to)}${filters.compare.asOf ? ` (данные на ${formatAsOf(filters.compare.asOf)})` : ''}`
    : null;
  const asOf = filters.asOf ? `данные на ${formatAsOf(filters.asOf)}` : null;
  if (page?.scope === 'period') return [period, compare, asOf].filter(Boolean).join(' · ');
  const parts = page?.scope === 'orgs' ? [] : [period];
  if (asOf) parts.push(asOf);
  if (filters.type) parts.push(filters.type);
  parts.push(orgSummaryText());
  if (compare && page?.scope !== 'orgs') parts.push(compare);
  return parts.join(' · ');
}

/** Puts `filters` into every input (after a change, a Back, or on start). */
function syncInputs(): void {
  ui.from.value = filters.from;
  ui.to.value = filters.to;
  // The date pickers then offer only a period that ends after it starts.
  ui.from.max = filters.to;
  ui.to.min = filters.from;
  for (const button of ui.form.querySelectorAll<HTMLButtonElement>('.chip[data-from]')) {
    const pressed = button.dataset.from === filters.from && button.dataset.to === filters.to;
    button.setAttribute('aria-pressed', String(pressed));
  }
  renderTypeOptions();
  ui.type.value = filters.type ?? '';
  syncCompare();
  syncAsOf();
  syncPeriodNote();
  renderOrgList();
  ui.orgSummary.textContent = orgSummaryText();
  ui.orgClear.hidden = filters.orgs.length === 0;
  ui.filtersSummary.textContent = filtersSummaryText();
  renderNav();
  renderActions();
}

/** The filters as the current page applies them: an organization's page is that organization's. */
function pageFilters(): Filters {
  return route?.kind === 'org' ? { ...filters, type: null, orgs: [route.code] } : filters;
}

/** «Выгрузить» and «Отчёт для печати» follow the filters; an organization's page exports that organization. */
function renderActions(): void {
  const scoped = pageFilters();
  ui.exportLink.href = exportHref(scoped, page?.metrics ?? []);
  // A page without indicators (the registers export their own CSV) has nothing for the workbook.
  ui.exportLink.hidden = (page?.metrics.length ?? 0) === 0;
  ui.reportLink.href = pageHref(REPORT_PATH, scoped);
  ui.summaryLink.href = pageHref(SUMMARY_PATH, scoped);
}

function onPeriodInput(): void {
  // An incomplete date (while typing) has an empty value: wait for a whole one.
  if (!ui.from.value || !ui.to.value) return;
  changeFilters({ ...filters, from: ui.from.value, to: ui.to.value });
}

function onTypeChange(): void {
  const type = ui.type.value === '' ? null : ui.type.value;
  // Organizations of another type would make an empty, puzzling view: drop them.
  const keep = new Set(orgs.filter((org) => type === null || org.type === type).map((org) => org.code));
  changeFilters({ ...filters, type, orgs: filters.orgs.filter((code) => keep.has(code)) });
}

/** The comparison control from `filters.compare`: none, a year earlier, or other dates. */
function syncCompare(): void {
  const c = filters.compare ?? null;
  const earlier = yearEarlier(filters);
  const mode =
    c === null
      ? ''
      : c.asOf && c.from === filters.from && c.to === filters.to
        ? 'asof'
        : c.from === earlier.from && c.to === earlier.to && !c.asOf && ui.compare.value !== 'custom'
          ? 'year'
          : 'custom';
  ui.compare.value = mode;
  ui.compareDates.hidden = mode !== 'custom';
  ui.compareAsOfBox.hidden = mode !== 'asof' && !(mode === 'custom' && c?.asOf);
  ui.compareAsOf.value = c?.asOf?.slice(0, 10) ?? '';
  ui.compareAsOf.max = isoToday(context?.today ?? new Date());
  ui.compareFrom.value = c?.from ?? '';
  ui.compareTo.value = c?.to ?? '';
  ui.compareFrom.max = ui.compareTo.value;
  ui.compareTo.min = ui.compareFrom.value;
  // Only where there is an indicator to compare.
  ui.compareFilter.hidden = comparableOf(page?.metrics ?? []).length === 0;
}

function onCompareChange(): void {
  const mode = ui.compare.value;
  if (mode === '') return changeFilters({ ...filters, compare: null });
  if (mode === 'year') return changeFilters({ ...filters, compare: yearEarlier(filters) });
  if (mode === 'asof') {
    // The same period, as the data stood on another date: the user picks the date.
    ui.compareDates.hidden = true;
    ui.compareAsOfBox.hidden = false;
    if (filters.compare?.asOf) return changeFilters({ ...filters, compare: { from: filters.from, to: filters.to, asOf: filters.compare.asOf } });
    ui.compareAsOf.focus();
    return;
  }
  // Other dates: start from a year earlier, the user edits them.
  ui.compareDates.hidden = false;
  changeFilters({ ...filters, compare: filters.compare ?? yearEarlier(filters) });
}

function onCompareDates(): void {
  if (!ui.compareFrom.value || !ui.compareTo.value || ui.compareFrom.value > ui.compareTo.value) return;
  changeFilters({ ...filters, compare: { from: ui.compareFrom.value, to: ui.compareTo.value } });
}

/** The day of `as_of` for the date field: a day as it is, a moment's on the reader's clock (it showed the UTC day: 14.05 under a banner of 15.05 04:00 in Irkutsk). */
function asOfDay(asOf: string | null | undefined): string {
  if (!asOf) return '';
  const at = momentDate(asOf);
  return at ? isoToday(at) : asOf.slice(0, 10);
}

/** «Данные на дату» and the banner over the page: past data is never shown without saying so. */
function syncAsOf(): void {
  ui.asOf.value = asOfDay(filters.asOf);
  ui.asOf.max = isoToday(context?.today ?? new Date());
  ui.asOfBanner.hidden = !filters.asOf;
  // A date still to come (typed into the address, or a year too far in the field) is the data now: said so, not dressed as the past.
  const future = filters.asOf !== null && filters.asOf !== undefined && filters.asOf.slice(0, 10) > ui.asOf.max;
  ui.asOfText.textContent = !filters.asOf
    ? ''
    : future
      ? `Дата ${formatAsOf(filters.asOf)} ещё не наступила: показаны текущие данные — после последней синхронизации. Очистите поле «Данные на дату», чтобы убрать эту пометку.`
      : `Показаны данные на ${formatAsOf(filters.asOf)}: как после последней синхронизации, завершённой к ${filters.asOf.length === 10 ? 'концу этого дня по часам сервера' : 'этому моменту'}, — с тогдашними статусами пар и программ.`;
}

/**
 * A period that has not begun (2099/2100 typed into the address, a year ahead picked): its
 * figures are the formulas on its last day with today's data — who works now, the pairs and
 * programs written now — not what happened. Said over the page. So is a period still going on
 * (the default: this academic year): its figures are as of its last day — categories that lapse
 * by then already gone, programs due by then not finished — a forecast an outside review read as
 * results («−7,0 п.п.» against +0,3 up to today); the button shows the period up to today.
 */
function syncPeriodNote(): void {
  const today = isoToday(context?.today ?? new Date());
  const notes: string[] = [];
  // What the address asked for and the page could not read (it shows the default instead).
  const dropped = droppedFromQuery(location.search);
  if (dropped.length) notes.push(`В адресе страницы не распознано: ${dropped.join('; ')} — вместо этого показан период ${formatDate(filters.from)} — ${formatDate(filters.to)}${filters.compare ? '' : ' без сравнения'}. Даты пишутся как ГГГГ-ММ-ДД.`);
  // A page of no period (the data quality of the last loads) has nothing to say about one.
  const periodless = page?.scope === 'orgs' || page?.scope === 'none';
  // A period that ends before it starts is an error of its own (load: reversedPeriodProblem): no
  // note beside it that the period «ещё не начался» (both were on the page: an outside review).
  const reversed = reversedPeriodProblem(filters.from, filters.to) !== null;
  if (filters.from > today && !periodless && !reversed) {
    notes.push(
      `Период ${formatDate(filters.from)} — ${formatDate(filters.to)} ещё не начался: показатели посчитаны на его последний день по сегодняшним данным (кто работает сейчас, какие пары, программы и аттестации записаны сейчас) — это не итоги периода.`,
    );
  }
  // Still going on, and no past moment asked for (as of a past sync the period's end is that sync's data anyway).
  const ongoing = filters.from <= today && filters.to > today && !filters.asOf && !periodless && !reversed;
  if (ongoing) {
    notes.push(
      `Период ${formatDate(filters.from)} — ${formatDate(filters.to)} ещё идёт: показатели — на его последний день (${formatDate(filters.to)}) по сегодняшним данным, то есть прогноз: категории, срок которых истечёт до этого дня, уже не учтены, а программы, которые должны завершиться до этого дня и ещё не завершены, считаются незавершёнными.`,
    );
  }
  ui.periodToday.hidden = !ongoing;
  ui.periodBanner.hidden = notes.length === 0;
  ui.periodText.textContent = notes.join(' ');
}

function onAsOfInput(): void {
  const value = ui.asOf.value;
  // Cleared: the data now. An incomplete date (while typing) is empty too, so only a change event comes here.
  changeFilters({ ...filters, asOf: value === '' ? null : value });
}

function onCompareAsOf(): void {
  if (!ui.compareAsOf.value) return;
  const period = filters.compare && ui.compare.value === 'custom' ? { from: filters.compare.from, to: filters.compare.to } : { from: filters.from, to: filters.to };
  changeFilters({ ...filters, compare: { ...period, asOf: ui.compareAsOf.value } });
}

function onOrgToggle(): void {
  const checked = [...ui.orgList.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map(
    (checkbox) => checkbox.value,
  );
  changeFilters({ ...filters, orgs: checked });
}

/** A user changed a filter: new history entry, then reload the data. */
function changeFilters(next: Filters): void {
  if (sameFilters(next, filters)) return;
  filters = next;
  history.pushState(null, '', `${location.pathname}?${filtersToQuery(filters).toString()}`);
  syncInputs();
  void load();
}

// ---------------------------------------------------------------- data

async function load(): Promise<void> {
  if (!page) return;
  const current = page;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  // A period that ends before it starts: the server would refuse each of the page's requests
  // (a dozen 400s in the console); the page says it once, as the server words it, and asks nothing.
  const reversed = reversedPeriodProblem(filters.from, filters.to);
  if (reversed) {
    current.clear();
    setState('error', asSentence(reversed));
    return;
  }
  setState('loading');
  try {
    await Promise.all([current.show(filters, controller.signal), showComparison(current, controller.signal)]);
    if (inFlight === controller) setState('ready');
  } catch (error) {
    if (isAbortError(error) || controller.signal.aborted) return;
    current.clear();
    // Nothing is shown: the banner no longer says «Показаны данные на …» over the error that there
    // are none on that date (both were on the page: an outside review); its button to the current
    // data stays. The next filters word it again (syncAsOf).
    if (filters.asOf) ui.asOfText.textContent = `Выбрана дата ${formatAsOf(filters.asOf)}: данные на неё не показаны — причина ниже.`;
    setState('error', messageOf(error));
  }
}

let comparison: ComparePanel | null = null;

/** «Сравнение периодов» above the page when the filters name a base period; its failure is its own panel's. */
async function showComparison(current: Page, signal: AbortSignal): Promise<void> {
  if (!context) return;
  if (!comparison) {
    comparison = new ComparePanel(context.catalog, (code) => context?.directory.label(code) ?? code);
    ui.compareBox.replaceChildren(comparison.panel.element);
  }
  const forPage = pageFilters();
  try {
    await comparison.show(forPage, current.metrics, signal);
  } catch (error) {
    if (isAbortError(error) || signal.aborted) throw error;
    comparison.panel.error(messageOf(error));
  }
}

/**
 * Why an organization's data is stale comes from `data_quality`; without it the registry's
 * flag alone still puts the ⚠ in place.
 */
async function loadFreshness(): Promise<DataQualityRow[]> {
  try {
    return (await getMetric<DataQualityRow>('data_quality', new URLSearchParams())).rows;
  } catch (error) {
    console.warn('data_quality is not available; stale organizations are flagged without a reason', error);
    return [];
  }
}

/** `/login`: the form only (no navigation, filters or data). */
async function startLogin(): Promise<void> {
  document.body.dataset.view = 'login';
  ui.title.textContent = 'Вход';
  document.title = `Вход — ${SITE_TITLE}`;
  ui.description.textContent = 'Войдите, чтобы увидеть показатели наставничества.';
  ui.description.hidden = false;
  setState('ready');
  try {
    await showLogin(ui.content);
  } catch (error) {
    setState('error', `Сервер недоступен. ${messageOf(error)}`);
  }
}

/** `/password`: «Сменить пароль» only (no navigation, filters or data), with the account box. */
function startPassword(): void {
  document.body.dataset.view = 'password';
  ui.title.textContent = 'Смена пароля';
  document.title = `Смена пароля — ${SITE_TITLE}`;
  ui.description.hidden = true;
  renderAccount(ui.account, ui.demoBanner);
  setState('ready');
  showPasswordChange(ui.content);
}

async function start(): Promise<void> {
  if (location.pathname === LOGIN_PATH) return startLogin();
  let who;
  try {
    who = await loadSession();
  } catch (error) {
    setState('error', messageOf(error));
    return;
  }
  if (!who) return onUnauthenticated();
  if (location.pathname === PASSWORD_PATH) return startPassword();
  // The server allows nothing else to such an account (and sends its pages here too).
  if (who.must_change_password) return onPasswordChangeRequired();
  renderAccount(ui.account, ui.demoBanner);
  document.body.dataset.role = who.role;
  // A school's account sees one organization: choosing organizations or a type means nothing there.
  if (who.role === 'school') {
    ui.orgFilter.hidden = true;
    ui.typeGroup.hidden = true;
  }
  const today = new Date();
  renderPresets(today);
  // Filters apply as they change; Enter in a date field must not reload the page.
  ui.form.addEventListener('submit', (event) => event.preventDefault());
  ui.from.addEventListener('change', onPeriodInput);
  ui.to.addEventListener('change', onPeriodInput);
  ui.type.addEventListener('change', onTypeChange);
  ui.compare.addEventListener('change', onCompareChange);
  ui.compareFrom.addEventListener('change', onCompareDates);
  ui.compareTo.addEventListener('change', onCompareDates);
  ui.asOf.addEventListener('change', onAsOfInput);
  ui.compareAsOf.addEventListener('change', onCompareAsOf);
  ui.asOfClear.addEventListener('click', () => changeFilters({ ...filters, asOf: null }));
  ui.periodToday.addEventListener('click', () => changeFilters({ ...filters, to: isoToday(context?.today ?? new Date()) }));
  ui.orgClear.addEventListener('click', () => {
    changeFilters({ ...filters, orgs: [] });
    ui.orgPicker.open = false;
  });
  // The organization list is a disclosure, not a modal: a click elsewhere, focus moving elsewhere
  // (Tab, or a select chosen from the keyboard — it stayed open over the comparison dates) or Escape closes it.
  const closeOrgPickerOutside = (event: Event) => {
    if (ui.orgPicker.open && event.target instanceof Node && !ui.orgPicker.contains(event.target)) ui.orgPicker.open = false;
  };
  document.addEventListener('click', closeOrgPickerOutside);
  document.addEventListener('focusin', closeOrgPickerOutside);
  ui.orgPicker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && ui.orgPicker.open) {
      ui.orgPicker.open = false;
      ui.orgSummary.focus();
    }
  });
  document.addEventListener('click', onDocumentClick);
  // Folded on a phone, open on a wide screen (where the summary line is not shown at all).
  const wide = window.matchMedia('(min-width: 601px)');
  ui.filtersBox.open = wide.matches;
  wide.addEventListener('change', () => {
    ui.filtersBox.open = wide.matches;
  });
  window.addEventListener('popstate', () => onLocationChange(false));
  // A re-read of an organization's sheet (reread.ts): the page's data again, as it stands now.
  window.addEventListener(DATA_CHANGED_EVENT, () => {
    forgetAnswers();
    void (async () => {
      // The organizations' load times and stale marks too (the page's header says them).
      context?.directory.update(await loadFreshness());
      await load();
    })();
  });

  setState('loading');
  // Titles and the organization list only help: if they fail, the numbers are still shown,
  // and the user is told why the organization filter is missing.
  const [metrics, registry, freshness] = await Promise.allSettled([getMetrics(), getOrgs(), loadFreshness()]);
  const notes: string[] = [];
  if (registry.status === 'fulfilled') {
    // Kept in the server's order: by type, then by code number (СОШ-2 before СОШ-10).
    orgs = registry.value;
  } else {
    ui.orgFilter.hidden = true;
    notes.push(`Список организаций не загрузился, выбор организаций недоступен. ${messageOf(registry.reason)}`);
  }
  let catalogInfo: MetricInfo[] = [];
  if (metrics.status === 'fulfilled') catalogInfo = metrics.value;
  else notes.push(`Описание показателей не загрузилось: столбцы названы кодами. ${messageOf(metrics.reason)}`);
  ui.filtersNote.hidden = notes.length === 0;
  ui.filtersNote.textContent = notes.join(' ');

  context = {
    catalog: new MetricCatalog(catalogInfo),
    directory: new OrgDirectory(orgs, freshness.status === 'fulfilled' ? freshness.value : []),
    today,
  };
  filters = scoped(filtersFromQuery(location.search, today));
  if (location.pathname.replace(/\/+$/, '') === REPORT_PATH) {
    await startReport(context);
    return;
  }
  if (location.pathname.replace(/\/+$/, '') === SUMMARY_PATH) {
    await startReport(context, SUMMARY_TITLE, showSummary);
    return;
  }
  applyRoute(context);
  syncInputs();
  await load();
}

/** `/report`: the printable report, without navigation and filters; `data-ready` on `<html>` once drawn. */
async function startReport(ctx: PageContext, title = REPORT_TITLE, show = showReport): Promise<void> {
  document.body.dataset.view = 'report';
  ui.title.textContent = title;
  document.title = `${title} — ${SITE_TITLE}`;
  ui.description.hidden = true;
  setState('loading');
  try {
    await show(ui.content, ctx, filters);
    setState('ready');
    document.documentElement.dataset.ready = 'true';
  } catch (error) {
    setState('error', messageOf(error));
    document.documentElement.dataset.ready = 'error';
  }
}

void start();
