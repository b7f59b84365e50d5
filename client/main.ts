/**
 * The page shell: navigation, filters kept in the URL, loading state and the error box.
 * The current page (`pages/`) draws the data. Filter changes push a history entry, so the
 * browser's Back returns to the previous view, and a reload or a shared link restores it.
 */
import { ApiError, getMetrics, getOrgs, isAbortError, type Org } from './api.ts';
import {
  academicYears,
  filtersFromQuery,
  filtersToQuery,
  sameFilters,
  type Filters,
} from './filters.ts';
import { createEngagementPage } from './pages/engagement.ts';
import { DEFAULT_PAGE_PATH, NAV_ITEMS, type Page } from './pages/page.ts';

const UNEXPECTED_MESSAGE = 'Не удалось показать данные из-за ошибки на странице. Обновите страницу; если ошибка повторится, сообщите администратору.';

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
  form: element('filters', HTMLFormElement),
  from: element('filter-from', HTMLInputElement),
  to: element('filter-to', HTMLInputElement),
  years: element('academic-years', HTMLDivElement),
  type: element('filter-type', HTMLSelectElement),
  orgFilter: element('org-filter', HTMLFieldSetElement),
  orgPicker: element('org-picker', HTMLDetailsElement),
  orgSummary: element('org-summary', HTMLElement),
  orgList: element('org-list', HTMLDivElement),
  orgClear: element('org-clear', HTMLButtonElement),
  filtersNote: element('filters-note', HTMLParagraphElement),
  error: element('error', HTMLDivElement),
  results: element('results', HTMLElement),
  status: element('status', HTMLParagraphElement),
  content: element('page-content', HTMLDivElement),
};

let filters: Filters = filtersFromQuery(location.search, new Date());
let orgs: readonly Org[] = [];
let page: Page | null = null;
let inFlight: AbortController | null = null;

// ---------------------------------------------------------------- state shown to the user

type ViewState = 'loading' | 'ready' | 'error';

function setState(state: ViewState, errorMessage?: string): void {
  ui.main.dataset.state = state;
  ui.results.setAttribute('aria-busy', String(state === 'loading'));
  ui.status.hidden = state !== 'loading';
  ui.error.hidden = state !== 'error';
  ui.error.textContent = state === 'error' ? (errorMessage ?? UNEXPECTED_MESSAGE) : '';
}

function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  console.error(error);
  return UNEXPECTED_MESSAGE;
}

// ---------------------------------------------------------------- navigation

function currentNavPath(): string {
  const item = NAV_ITEMS.find((candidate) => candidate.path === location.pathname && candidate.ready);
  return item ? item.path : DEFAULT_PAGE_PATH;
}

/** Links keep the filters, so switching pages keeps the period and the organizations. */
function renderNav(): void {
  const query = filtersToQuery(filters).toString();
  const current = currentNavPath();
  ui.nav.replaceChildren(
    ...NAV_ITEMS.map((item) => {
      const li = document.createElement('li');
      if (item.ready) {
        const link = document.createElement('a');
        link.href = `${item.path}?${query}`;
        link.textContent = item.title;
        if (item.path === current) link.setAttribute('aria-current', 'page');
        li.append(link);
      } else {
        const placeholder = document.createElement('span');
        placeholder.className = 'nav-soon';
        placeholder.setAttribute('aria-disabled', 'true');
        placeholder.title = 'Раздел в разработке';
        placeholder.textContent = item.title;
        li.append(placeholder);
      }
      return li;
    }),
  );
}

// ---------------------------------------------------------------- filters ⇄ inputs

function renderAcademicYears(): void {
  ui.years.replaceChildren(
    ...academicYears(new Date()).map((year) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'chip';
      button.textContent = year.label;
      button.title = `Учебный год: 01.09.${year.from.slice(0, 4)} — 31.08.${year.to.slice(0, 4)}`;
      button.dataset.from = year.from;
      button.dataset.to = year.to;
      button.addEventListener('click', () => changeFilters({ ...filters, from: year.from, to: year.to }));
      return button;
    }),
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
      code.textContent = org.code;
      label.append(checkbox, name, code);
      return label;
    }),
  );
}

function orgSummaryText(): string {
  if (filters.orgs.length === 0) return 'Все организации';
  if (filters.orgs.length === 1) {
    const code = filters.orgs[0] ?? '';
    return orgs.find((org) => org.code === code)?.name ?? code;
  }
  return `Выбрано организаций: ${filters.orgs.length}`;
}

/** Puts `filters` into every input (after a change, a Back, or on start). */
function syncInputs(): void {
  ui.from.value = filters.from;
  ui.to.value = filters.to;
  // The date pickers then offer only a period that ends after it starts.
  ui.from.max = filters.to;
  ui.to.min = filters.from;
  for (const button of ui.years.querySelectorAll<HTMLButtonElement>('button')) {
    const pressed = button.dataset.from === filters.from && button.dataset.to === filters.to;
    button.setAttribute('aria-pressed', String(pressed));
  }
  renderTypeOptions();
  ui.type.value = filters.type ?? '';
  renderOrgList();
  ui.orgSummary.textContent = orgSummaryText();
  ui.orgClear.hidden = filters.orgs.length === 0;
  renderNav();
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
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  setState('loading');
  try {
    await page.show(filters, controller.signal);
    if (inFlight === controller) setState('ready');
  } catch (error) {
    if (isAbortError(error) || controller.signal.aborted) return;
    page.clear();
    setState('error', messageOf(error));
  }
}

async function start(): Promise<void> {
  renderAcademicYears();
  syncInputs();
  // Filters apply as they change; Enter in a date field must not reload the page.
  ui.form.addEventListener('submit', (event) => event.preventDefault());
  ui.from.addEventListener('change', onPeriodInput);
  ui.to.addEventListener('change', onPeriodInput);
  ui.type.addEventListener('change', onTypeChange);
  ui.orgClear.addEventListener('click', () => {
    changeFilters({ ...filters, orgs: [] });
    ui.orgPicker.open = false;
  });
  // The organization list is a disclosure, not a modal: a click elsewhere or Escape closes it.
  document.addEventListener('click', (event) => {
    if (ui.orgPicker.open && event.target instanceof Node && !ui.orgPicker.contains(event.target)) ui.orgPicker.open = false;
  });
  ui.orgPicker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && ui.orgPicker.open) {
      ui.orgPicker.open = false;
      ui.orgSummary.focus();
    }
  });
  window.addEventListener('popstate', () => {
    filters = filtersFromQuery(location.search, new Date());
    syncInputs();
    void load();
  });

  setState('loading');
  // Titles and the organization list only help: if they fail, the numbers are still shown
  // (with built-in titles), and the user is told why the organization filter is missing.
  const [metrics, registry] = await Promise.allSettled([getMetrics(), getOrgs()]);
  if (registry.status === 'fulfilled') {
    // Kept in the server's order: by type, then by code number (СОШ-2 before СОШ-10).
    orgs = registry.value;
  } else {
    ui.orgFilter.hidden = true;
    ui.filtersNote.hidden = false;
    ui.filtersNote.textContent = `Список организаций не загрузился, выбор организаций недоступен. ${messageOf(registry.reason)}`;
  }
  page = createEngagementPage(ui.content, metrics.status === 'fulfilled' ? metrics.value : []);
  ui.title.textContent = page.info.title;
  document.title = `${page.info.title} — Наставничество: мониторинг`;
  ui.description.textContent = page.info.description ?? '';
  ui.description.hidden = !page.info.description;
  syncInputs();
  await load();
}

void start();
