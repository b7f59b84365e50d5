/**
 * Page «Синхронизация» (coordinator only, issue #20): running the product from the browser.
 *  - «Синхронизировать сейчас» with the live progress of the sync (server-sent events from
 *    `GET /api/sync/events`: read, finished, loaded, unchanged, failed; the failures as they come);
 *    at its end the journal below is read again, and the dashboard's pages show the new data.
 *  - The journal of syncs: each run with its counts, and each organization's outcome and message.
 *  - The audit log with filters (action, who, days).
 *  - API tokens for scripts, made (shown once) and revoked while the server runs.
 * The server checks every right; this page shows its Russian answers as they are.
 */
import { ROLE_LABELS, orgName, roleFields, stackedField } from '../accountForm.ts';
import { fetchJson, getOrgs, type Org } from '../api.ts';
import { h } from '../dom.ts';
import { formatDateTime, formatInteger } from '../format.ts';
import { errorText, send } from '../session.ts';
import type { Page, PageContext } from './page.ts';
import type { SyncProgress as Progress } from '../../shared/progress.ts';


interface RunOrg {
  org: string;
  status: string;
  message: string | null;
  rows_loaded: number | null;
  rows_quarantined: number | null;
}

interface Run {
  id: number;
  started_at: string;
  finished_at: string | null;
  trigger: string;
  status: string;
  orgs_total: number | null;
  orgs_ok: number | null;
  orgs_unchanged: number | null;
  orgs_failed: number | null;
  rows_loaded: number | null;
  rows_quarantined: number | null;
  message: string | null;
  orgs: RunOrg[];
}

interface AuditEntry {
  id: number;
  ts: string;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  detail: string | null;
  ip: string | null;
}

interface Token {
  id: number;
  name: string;
  role: 'coordinator' | 'school' | 'region';
  org: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

const TRIGGERS: Record<string, string> = {
  api: 'из браузера',
  school: 'по просьбе организации',
  schedule: 'по расписанию',
  start: 'при запуске сервера',
  cli: 'из командной строки',
  test: 'тест',
};

const RUN_STATUS: Record<string, string> = {
  ok: 'успешно',
  partial: 'с ошибками',
  failed: 'не удалась',
  running: 'идёт',
  interrupted: 'прервана',
};

const ORG_STATUS: Record<string, string> = {
  ok: 'загружена',
  unchanged: 'без изменений',
  failed: 'ошибка',
  held: 'задержана',
  inactive: 'неактивна',
  skipped: 'пропущена',
};

/** The audit log's actions in words (the server writes their codes). */
export const ACTIONS: Record<string, string> = {
  login: 'вход',
  login_demo: 'демонстрационный вход',
  login_failed: 'неверный пароль',
  login_refused: 'вход отклонён (слишком часто)',
  login_flood: 'поток попыток входа',
  logout: 'выход',
  password_change: 'смена своего пароля',
  user_add: 'учётная запись создана',
  user_passwd: 'выдан новый пароль',
  user_remove: 'учётная запись удалена',
  token_create: 'API-токен создан',
  token_revoke: 'API-токен отозван',
  sync_start: 'запуск синхронизации',
  sync_org: 'перечитать таблицу организации',
  accept_shrink: 'принято уменьшение данных',
  export_csv: 'выгрузка CSV',
  export_xlsx: 'выгрузка XLSX',
  export_pdf: 'отчёт PDF',
  deny: 'отказ в доступе',
};


async function getJson<T>(path: string, signal: AbortSignal): Promise<T> {
  return (await fetchJson(path, signal)) as T;
}

const cell = (text: string | number | null | undefined, className?: string) =>
  h('td', className ? { className } : {}, text === null || text === undefined || text === '' ? '—' : String(text));

function table(headers: readonly string[], rows: HTMLTableRowElement[], empty: string, className = 'ops-table'): HTMLElement {
  if (rows.length === 0) return h('p', { className: 'ops-empty' }, empty);
  return h(
    'div',
    { className: 'table-wrap' },
    h('table', { className }, h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { attrs: { scope: 'col' } }, t)))), h('tbody', {}, ...rows)),
  );
}

export function createOperationsPage(container: HTMLElement, _ctx: PageContext): Page {
  const section = (id: string, title: string, ...children: Node[]) =>
    h('section', { className: 'panel panel--wide', id }, h('h2', { className: 'panel__title' }, title), ...children);

  // ---- sync: the button and the live progress
  const syncButton = h('button', { className: 'action-button', id: 'sync-now', attrs: { type: 'button' } }, 'Синхронизировать сейчас');
  const syncState = h('p', { className: 'ops-state', id: 'sync-state', attrs: { role: 'status', 'aria-live': 'polite' } });
  const bar = h('progress', { className: 'ops-progress', id: 'sync-progress', attrs: { max: '1', value: '0' } });
  const problems = h('ul', { className: 'ops-problems', id: 'sync-problems' });
  const syncNotice = h('p', { className: 'ops-notice', hidden: true });
  // ---- journals and tokens
  const runsHost = h('div', { id: 'runs' });
  const auditHost = h('div', { id: 'audit' });
  const auditForm = h('form', { className: 'ops-filters', id: 'audit-filters', attrs: { 'aria-label': 'Отбор записей журнала действий' } });
  const tokensHost = h('div', { id: 'tokens' });
  const tokenForm = h('form', { className: 'users-form', id: 'token-form', attrs: { 'aria-label': 'Новый API-токен', novalidate: '' } });
  const tokenNotice = h('div', { className: 'users-notice', attrs: { role: 'status' }, hidden: true });

  container.replaceChildren(
    h(
      'div',
      { className: 'panels' },
      section('sync-panel', 'Синхронизация', h('div', { className: 'ops-sync' }, syncButton, syncState), bar, syncNotice, problems),
      section('runs-panel', 'Журнал синхронизаций', runsHost),
      section('audit-panel', 'Журнал действий', auditForm, auditHost),
      section(
        'tokens-panel',
        'API-токены',
        h('p', { className: 'ops-hint' }, 'Токен — доступ к API для программ (отчёты, выгрузки) с правами выбранной роли. Он показывается один раз; храните его как пароль.'),
        tokenNotice,
        tokensHost,
        h('h3', { className: 'ops-subtitle' }, 'Новый токен'),
        tokenForm,
      ),
    ),
  );

  let signal: AbortSignal = new AbortController().signal;
  let events: EventSource | null = null;
  let configured = true;
  let orgs: Org[] = [];
  let lastFinished: string | null = null;

  // ------------------------------------------------------------------ sync

  function drawProgress(p: Progress): void {
    const c = p.counts;
    const tally = `загружено ${formatInteger(c.ok)}, без изменений ${formatInteger(c.unchanged)}, с ошибкой ${formatInteger(c.failed)}${c.held ? `, задержано ${formatInteger(c.held)}` : ''}`;
    syncButton.disabled = p.running || !configured;
    bar.hidden = !p.running;
    bar.max = Math.max(1, p.total);
    // Reading is what takes the time: the bar follows the sheets read.
    bar.value = p.running ? p.fetched : bar.max;
    const one = p.org ? ` (организация ${p.org})` : '';
    if (!configured) {
      syncState.textContent = 'Синхронизация не настроена: задайте источник данных (SHEETS_REGISTRY_ID или SOURCE_DIR) и перезапустите сервер.';
    } else if (p.running) {
      syncState.textContent =
        p.total === 0
          ? `Идёт синхронизация${one}: читаю реестр организаций…`
          : `Идёт синхронизация${one}: прочитано ${formatInteger(p.fetched)} из ${formatInteger(p.total)}, готово ${formatInteger(p.done)} — ${tally}.`;
    } else if (p.finished) {
      syncState.textContent = `${p.finished.line} (${formatDateTime(p.finished.at)})`;
    } else {
      syncState.textContent = 'Синхронизация в этом сеансе сервера ещё не запускалась; последние — в журнале ниже.';
    }
    syncState.dataset.state = p.running ? 'running' : p.finished ? p.finished.status : 'idle';
    problems.replaceChildren(
      ...p.problems.map((x) => h('li', {}, h('strong', {}, `${x.org}: `), `${ORG_STATUS[x.status] ?? x.status}${x.message ? ` — ${x.message}` : ''}`)),
    );
    // The end of a sync: the journals again, and the pages' data is new (their next visit reads it).
    if (!p.running && p.finished && p.finished.at !== lastFinished) {
      const first = lastFinished === null;
      lastFinished = p.finished.at;
      if (!first) void Promise.all([refreshRuns(), refreshAudit()]).catch(() => undefined);
    }
  }

  function listen(): void {
    events?.close();
    events = new EventSource('/api/sync/events');
    events.addEventListener('progress', (e) => drawProgress(JSON.parse((e as MessageEvent<string>).data) as Progress));
    // EventSource reconnects by itself after a dropped connection.
  }

  syncButton.addEventListener('click', () => {
    syncButton.disabled = true;
    syncNotice.hidden = true;
    void (async () => {
      const response = await send('POST', '/api/sync');
      if (!response.ok) {
        syncNotice.textContent = await errorText(response);
        syncNotice.hidden = false;
        syncButton.disabled = false;
      }
    })();
  });

  // ------------------------------------------------------------------ journal of syncs

  async function refreshRuns(): Promise<void> {
    const { runs } = await getJson<{ runs: Run[] }>('/api/sync/runs?limit=30', signal);
    const rows = runs.map((run) => {
      const details = h(
        'details',
        { className: 'ops-run-orgs' },
        h('summary', {}, `Организации (${formatInteger(run.orgs.length)})`),
        table(
          ['Организация', 'Итог', 'Строк загружено', 'В карантине', 'Сообщение'],
          run.orgs.map((o) =>
            h(
              'tr',
              { attrs: { 'data-status': o.status } },
              cell(o.org),
              cell(ORG_STATUS[o.status] ?? o.status),
              cell(o.rows_loaded, 'num'),
              cell(o.rows_quarantined, 'num'),
              cell(o.message),
            ),
          ),
          'Организации не читались.',
          'ops-table ops-table--inner',
        ),
      );
      return h(
        'tr',
        { attrs: { 'data-run': String(run.id), 'data-status': run.status } },
        cell(formatDateTime(run.started_at)),
        cell(TRIGGERS[run.trigger] ?? run.trigger),
        cell(RUN_STATUS[run.status] ?? run.status),
        cell(run.orgs_ok, 'num'),
        cell(run.orgs_unchanged, 'num'),
        cell(run.orgs_failed, 'num'),
        cell(run.rows_loaded, 'num'),
        h('td', { className: 'ops-run-message' }, run.message ?? '', run.orgs.length ? details : ''),
      );
    });
    runsHost.replaceChildren(
      table(['Начало', 'Запуск', 'Итог', 'Загружено', 'Без изменений', 'С ошибкой', 'Строк', 'Сообщение и организации'], rows, 'Синхронизаций ещё не было.', 'ops-table ops-runs'),
    );
  }

  // ------------------------------------------------------------------ audit log

  const actionSelect = h('select', { attrs: { name: 'action' } });
  const actorInput = h('input', { attrs: { name: 'actor', autocomplete: 'off', spellcheck: 'false', placeholder: 'часть логина' } });
  const fromInput = h('input', { attrs: { name: 'from', type: 'date' } });
  const toInput = h('input', { attrs: { name: 'to', type: 'date' } });
  auditForm.replaceChildren(
    stackedField('Действие', actionSelect),
    stackedField('Кто', actorInput),
    stackedField('С', fromInput),
    stackedField('По', toInput),
    h('button', { className: 'action-button', attrs: { type: 'submit' } }, 'Показать'),
  );
  auditForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void refreshAudit().catch((e: Error) => auditHost.replaceChildren(h('p', { className: 'ops-error' }, e.message)));
  });

  async function refreshAudit(): Promise<void> {
    const q = new URLSearchParams({ limit: '200' });
    if (actionSelect.value) q.set('action', actionSelect.value);
    if (actorInput.value.trim()) q.set('actor', actorInput.value.trim());
    if (fromInput.value) q.set('from', fromInput.value);
    if (toInput.value) q.set('to', toInput.value);
    const { entries, actions } = await getJson<{ entries: AuditEntry[]; actions: string[] }>(`/api/audit?${q.toString()}`, signal);
    const chosen = actionSelect.value;
    actionSelect.replaceChildren(h('option', { attrs: { value: '' } }, 'все'), ...actions.map((a) => h('option', { attrs: { value: a } }, ACTIONS[a] ?? a)));
    actionSelect.value = chosen;
    auditHost.replaceChildren(
      table(
        ['Время', 'Кто', 'Действие', 'Объект', 'Подробности', 'Адрес'],
        entries.map((e) =>
          h('tr', { attrs: { 'data-action': e.action } }, cell(formatDateTime(e.ts)), cell(e.actor), cell(ACTIONS[e.action] ?? e.action), cell(e.target), cell(e.detail), cell(e.ip)),
        ),
        'Записей с такими условиями нет.',
      ),
    );
  }

  // ------------------------------------------------------------------ API tokens

  async function refreshTokens(): Promise<void> {
    const { tokens } = await getJson<{ tokens: Token[] }>('/api/tokens', signal);
    const rows = tokens.map((t) => {
      const revoke = h('button', { className: 'button-link button-link--danger', attrs: { type: 'button' } }, 'Отозвать');
      revoke.addEventListener('click', () => {
        if (!confirm(`Отозвать токен «${t.name}»? Программы, которые им пользуются, потеряют доступ.`)) return;
        void (async () => {
          const response = await send('POST', `/api/tokens/${t.id}/revoke`);
          if (!response.ok) return sayToken(await errorText(response), true);
          sayToken(`Токен «${t.name}» отозван.`);
          await refreshTokens();
        })();
      });
      return h(
        'tr',
        { attrs: { 'data-token': String(t.id) } },
        cell(t.id, 'num'),
        cell(t.name),
        cell(ROLE_LABELS[t.role] ?? t.role),
        cell(orgName(orgs, t.org)),
        cell(formatDateTime(t.created_at)),
        cell(t.last_used_at ? formatDateTime(t.last_used_at) : 'не использовался'),
        t.revoked_at ? cell(`отозван ${formatDateTime(t.revoked_at)}`) : h('td', {}, revoke),
      );
    });
    tokensHost.replaceChildren(table(['№', 'Название', 'Роль', 'Организация', 'Создан', 'Последнее обращение', ''], rows, 'Токенов нет.'));
  }

  function sayToken(text: string, error = false, secret?: string): void {
    tokenNotice.className = error ? 'users-notice users-notice--error' : 'users-notice';
    tokenNotice.replaceChildren(error ? h('strong', {}, 'Ошибка: ') : '', text);
    if (secret) tokenNotice.append(' Токен: ', h('code', { className: 'users-password', id: 'token-secret' }, secret), ' — скопируйте его сейчас: он показан один раз.');
    tokenNotice.hidden = false;
  }

  function renderTokenForm(): void {
    const name = h('input', { attrs: { name: 'name', required: '', autocomplete: 'off', spellcheck: 'false', placeholder: 'например, отчёт-для-региона' } });
    const access = roleFields(orgs, 'region');
    const submit = h('button', { className: 'action-button', attrs: { type: 'submit' } }, 'Создать токен');
    tokenForm.replaceChildren(
      stackedField('Название', name),
      ...access.fields,
      submit,
    );
    tokenForm.onsubmit = (event) => {
      event.preventDefault();
      submit.disabled = true;
      void (async () => {
        try {
          const response = await send('POST', '/api/tokens', { name: name.value, role: access.role(), org: access.org() });
          if (!response.ok) return sayToken(await errorText(response), true);
          const body = (await response.json()) as { token: Token; secret: string };
          sayToken(`Токен «${body.token.name}» (№ ${body.token.id}) создан.`, false, body.secret);
          name.value = '';
          await refreshTokens();
        } finally {
          submit.disabled = false;
        }
      })();
    };
  }

  return {
    title: 'Синхронизация',
    description: 'Запуск синхронизации и её ход, журнал синхронизаций с итогом каждой организации, журнал действий и API-токены.',
    scope: 'none',
    navPath: '/operations',
    metrics: [],
    async show(_filters, s) {
      signal = s;
      const status = await getJson<{ configured: boolean; progress: Progress }>('/api/sync/status', s);
      configured = status.configured;
      drawProgress(status.progress);
      orgs = await getOrgs(s);
      renderTokenForm();
      await Promise.all([refreshRuns(), refreshAudit(), refreshTokens()]);
      listen();
    },
    clear() {
      runsHost.replaceChildren();
      auditHost.replaceChildren();
      tokensHost.replaceChildren();
    },
    dispose() {
      events?.close();
      events = null;
    },
  };
}
