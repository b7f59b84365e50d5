/**
 * Page «Синхронизация» (coordinator only, issue #20): running the product from the browser.
 *  - «Синхронизировать сейчас» with the live progress of the sync (server-sent events from
 *    `GET /api/sync/events`: read, finished, loaded, unchanged, failed; the failures as they come);
 *    at its end the journal below is read again, and the dashboard's pages show the new data.
 *  - The journal of syncs: each run with its counts, and each organization's outcome and message.
 *  - The audit log with filters (action, who, days).
 *  - API tokens for scripts, made (shown once) and revoked while the server runs.
 *  - «Рассылки отчётов»: reports e-mailed on a schedule (cron, previewed in words as it is
 *    typed), made, changed, sent at once and removed; the mail outbox below them. When the
 *    server has no mail set up its reason is shown and nothing can be sent, but subscriptions
 *    can still be made and changed.
 * The server checks every right; this page shows its Russian answers as they are.
 */
import { ROLE_LABELS, orgName, roleFields, stackedField } from '../accountForm.ts';
import { fetchJson, forgetAnswers, getOrgs, isAbortError, type Org } from '../api.ts';
import { auditDetailText, auditTargetText } from '../auditText.ts';
import { h } from '../dom.ts';
import { formatDate, formatDateTime, formatInteger } from '../format.ts';
import { errorText, send } from '../session.ts';
import {
  AUDIENCES,
  DEFAULT_CRON,
  OUTBOX_STATUS,
  lastRunText,
  remindersText,
  splitAddresses,
  splitCodes,
  whatText,
  type CronPreview,
  type OutboxMessage,
  type ReminderContact,
  type SendResult,
  type Subscription,
  type SubscriptionInput,
  type SubscriptionList,
} from '../subscriptions.ts';
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
  token: 'по API-токену',
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
  subscription_add: 'рассылка создана',
  subscription_edit: 'рассылка изменена',
  subscription_remove: 'рассылка удалена',
  subscription_send: 'рассылка отправлена вручную',
  mail_sent: 'письмо отправлено',
  mail_failed: 'письмо не отправлено',
  reminder_unsubscribe: 'отписка от напоминаний',
  reminder_subscribe: 'подписка на напоминания снова',
  deny: 'отказ в доступе',
};


async function getJson<T>(path: string, signal: AbortSignal): Promise<T> {
  return (await fetchJson(path, signal)) as T;
}

const cell = (text: string | number | null | undefined, className?: string) =>
  h('td', className ? { className } : {}, text === null || text === undefined || text === '' ? '—' : String(text));

const NETWORK_MESSAGE = 'Сервер недоступен. Проверьте подключение к сети и повторите.';

function table(headers: readonly string[], rows: HTMLTableRowElement[], empty: string, className = 'ops-table', id?: string): HTMLElement {
  if (rows.length === 0) return h('p', { className: 'ops-empty' }, empty);
  return h(
    'div',
    { className: 'table-wrap' },
    h('table', { className, id }, h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { attrs: { scope: 'col' } }, t)))), h('tbody', {}, ...rows)),
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
  // ---- report subscriptions and the mail outbox
  const mailOff = h('p', { className: 'ops-notice sub-mail-off', id: 'mail-off', hidden: true });
  const mailFrom = h('p', { className: 'ops-hint', id: 'mail-from', hidden: true });
  // The coordinator's alerts (stale data, held loads, newly overdue programs): on or off, and why.
  const alertsState = h('p', { className: 'ops-hint', id: 'alerts-state' });
  // Reminders to schools (the registry's «E-mail ответственного»): on or off, and why.
  const remindersState = h('p', { className: 'ops-hint', id: 'reminders-state' });
  // …and where each school's go: addresses, the last reminder, who unsubscribed.
  const remindersHost = h('div', { id: 'reminders' });
  const subscriptionsState = h('p', { className: 'ops-state sub-state', id: 'subscriptions-state', attrs: { role: 'status', 'aria-live': 'polite' } });
  const subscriptionsHost = h('div', { id: 'subscriptions' });
  const subscriptionFormTitle = h('h3', { className: 'ops-subtitle', id: 'subscription-form-title' }, 'Новая рассылка');
  const subscriptionForm = h('form', {
    className: 'sub-form',
    id: 'subscription-form',
    attrs: { 'aria-labelledby': 'subscription-form-title', novalidate: '', 'data-mode': 'create' },
  });
  const outboxHost = h('div', { id: 'outbox' });

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
      section(
        'subscriptions-panel',
        'Рассылки отчётов',
        h(
          'p',
          { className: 'ops-hint' },
          'Отчёт за выбранный период уходит письмом по расписанию: таблицы XLSX, PDF или оба файла. Региону — только сводные цифры, без ФИО.',
        ),
        mailOff,
        mailFrom,
        alertsState,
        remindersState,
        remindersHost,
        subscriptionsState,
        subscriptionsHost,
        subscriptionFormTitle,
        subscriptionForm,
        h('h3', { className: 'ops-subtitle' }, 'Отправленные письма'),
        outboxHost,
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
      if (!first) {
        forgetAnswers();
        void Promise.all([refreshRuns(), refreshAudit()]).catch(() => undefined);
      }
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
          h('tr', { attrs: { 'data-action': e.action } }, cell(formatDateTime(e.ts)), cell(e.actor), cell(ACTIONS[e.action] ?? e.action), cell(auditTargetText(e.action, e.target)), cell(auditDetailText(e.detail)), cell(e.ip)),
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

  // ------------------------------------------------------------------ report subscriptions

  /** Mail is set up on the server: «Отправить сейчас» can send. */
  let mailEnabled = false;
  /** The subscription the form changes; null while it makes a new one. */
  let editingId: number | null = null;
  /** The form drawn last: fills it with a subscription («Изменить»), or empties it for a new one. */
  let editSubscription: (s: Subscription) => void = () => undefined;
  let resetSubscriptionForm: () => void = () => undefined;
  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  let previewAbort: AbortController | null = null;

  function saySubscriptions(text: string, failed = false): void {
    subscriptionsState.textContent = text;
    subscriptionsState.dataset.state = failed ? 'failed' : 'done';
  }

  /** The focus went with a redrawn (or disabled) button: it is on nothing now. */
  const focusLost = () => {
    const active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  };

  /** The list (and the outbox) again after an action; then the focus to `focus()` if the action's button went with the redraw. */
  async function reloadSubscriptions(outbox: boolean, focus?: () => HTMLElement | null | undefined): Promise<void> {
    try {
      await Promise.all([refreshSubscriptions(), outbox ? refreshOutbox() : undefined]);
    } catch (error) {
      if (isAbortError(error)) return;
      const message = error instanceof Error ? error.message : String(error);
      saySubscriptions(`${subscriptionsState.textContent ?? ''} Список не удалось обновить: ${message}`.trim(), true);
    }
    if (focus && focusLost()) focus()?.focus();
  }

  async function refreshSubscriptions(withForm = false): Promise<void> {
    const data = await getJson<SubscriptionList>('/api/subscriptions', signal);
    mailEnabled = data.mail.enabled;
    mailOff.textContent = data.mail.enabled ? '' : (data.mail.reason ?? 'Отправка писем выключена.');
    mailOff.hidden = data.mail.enabled;
    mailFrom.textContent = data.mail.from ? `Письма уходят с адреса ${data.mail.from}.` : '';
    mailFrom.hidden = !data.mail.enabled || !data.mail.from;
    alertsState.textContent = data.alerts
      ? data.alerts.enabled
        ? `Оповещения координатору (данные устарели, загрузка задержана, новые просроченные программы) — не чаще раза в день на ${data.alerts.recipients.join(', ')}.`
        : // Mail off: the alerts' reason is the mail's, already shown above.
          !data.mail.enabled && data.alerts.reason === data.mail.reason
          ? 'Оповещения координатору не отправляются, пока не настроена почта (см. выше).'
          : (data.alerts.reason ?? 'Оповещения координатору выключены.')
      : '';
    // Mail off: the reminders' reason is the mail's, already shown above — not a second time.
    remindersState.textContent = data.reminders
      ? remindersText(!data.mail.enabled && !data.reminders.enabled && data.reminders.reason === data.mail.reason
          ? { ...data.reminders, reason: 'Напоминания школам не отправляются, пока не настроена почта (см. выше).' }
          : data.reminders)
      : '';
    void refreshReminders(data.reminders?.orgs ?? 0);
    if (withForm) renderSubscriptionForm(data);
    subscriptionsHost.replaceChildren(
      table(
        ['Название', 'Что', 'Получатели', 'Расписание', 'Последняя отправка', 'Действия'],
        data.subscriptions.map((s) => subscriptionRow(s, data)),
        'Рассылок пока нет: создайте первую в форме ниже.',
        'ops-table sub-table',
        'subscriptions-table',
      ),
    );
  }

  function subscriptionRow(s: Subscription, data: SubscriptionList): HTMLTableRowElement {
    const id = String(s.id);
    const nameId = `sub-name-${id}`;
    // The buttons' names stay short («Изменить»); the subscription's name describes them to screen readers.
    const button = (label: string, className: string) =>
      h('button', { className, attrs: { type: 'button', 'data-id': id, 'aria-describedby': nameId } }, label);
    const edit = button('Изменить', 'button-link sub-edit');
    const sendNow = button('Отправить сейчас', 'button-link sub-send');
    const remove = button('Удалить', 'button-link button-link--danger sub-delete');
    sendNow.disabled = !mailEnabled;
    if (!mailEnabled) sendNow.title = 'Почта не настроена: письма не отправляются.';

    const metricTitles = s.metrics.map((name) => data.metrics.find((m) => m.name === name)?.title ?? name);
    const scope = [s.type ? `тип «${s.type}»` : null, s.orgs.length ? `организации: ${s.orgs.join(', ')}` : null].filter(Boolean).join('; ');
    const last = lastRunText(s.last_run);
    const row = h(
      'tr',
      { attrs: { 'data-subscription': id } },
      h('td', { id: nameId }, s.name),
      h(
        'td',
        {},
        whatText(s, data.periods, data.formats),
        h('span', { className: 'sub-detail' }, metricTitles.length ? `показатели: ${metricTitles.join(', ')}` : 'стандартный набор показателей'),
        h('span', { className: 'sub-detail' }, scope || 'все организации'),
      ),
      h('td', { className: 'sub-recipients' }, s.recipients.join(', ') || '—'),
      h(
        'td',
        {},
        s.cron_text,
        h('span', { className: 'sub-detail' }, s.next_run ? `следующая: ${formatDateTime(s.next_run)}` : 'больше не запланирована'),
      ),
      s.last_run
        ? h('td', { className: s.last_run.status === 'failed' ? 'sub-failed' : '' }, formatDateTime(s.last_run.at), h('span', { className: 'sub-detail' }, last))
        : cell('ещё не отправлялась'),
      h('td', { className: 'sub-actions' }, edit, sendNow, remove),
    );

    edit.addEventListener('click', () => editSubscription(s));

    sendNow.addEventListener('click', () => {
      sendNow.disabled = true;
      saySubscriptions(`Отправляю рассылку «${s.name}»…`);
      void (async () => {
        try {
          const response = await send('POST', `/api/subscriptions/${id}/send`);
          if (!response.ok) {
            saySubscriptions(await errorText(response), true);
          } else {
            const result = (await response.json()) as SendResult;
            if (result.status === 'sent') saySubscriptions(`Рассылка «${s.name}» отправлена: отчёт по данным на ${formatDateTime(result.as_of)}.`);
            else saySubscriptions(`Рассылка «${s.name}» не отправлена${result.message ? `: ${result.message}` : '.'}`, true);
          }
        } catch {
          saySubscriptions(NETWORK_MESSAGE, true);
        }
        await reloadSubscriptions(true, () =>
          subscriptionsHost.querySelector<HTMLButtonElement>(`.sub-send[data-id="${id}"]:not(:disabled)`) ??
          subscriptionsHost.querySelector<HTMLButtonElement>(`.sub-edit[data-id="${id}"]`),
        );
      })();
    });

    remove.addEventListener('click', () => {
      if (!confirm(`Удалить рассылку «${s.name}»? Письма по ней больше не будут отправляться.`)) return;
      // Where the focus goes after the row is gone: the next row, else the previous, else the form.
      const neighbour = (row.nextElementSibling ?? row.previousElementSibling)?.getAttribute('data-subscription');
      remove.disabled = true;
      void (async () => {
        try {
          const response = await send('DELETE', `/api/subscriptions/${id}`);
          if (!response.ok) {
            saySubscriptions(await errorText(response), true);
          } else {
            saySubscriptions(`Рассылка «${s.name}» удалена.`);
            if (editingId === s.id) resetSubscriptionForm();
          }
        } catch {
          saySubscriptions(NETWORK_MESSAGE, true);
        }
        await reloadSubscriptions(false, () =>
          subscriptionsHost.querySelector<HTMLButtonElement>(`.sub-delete[data-id="${id}"]`) ??
          (neighbour ? subscriptionsHost.querySelector<HTMLButtonElement>(`.sub-edit[data-id="${neighbour}"]`) : null) ??
          subscriptionForm.querySelector<HTMLInputElement>('input[name="name"]'),
        );
      })();
    });
    return row;
  }

  function renderSubscriptionForm(data: SubscriptionList): void {
    const option = (value: string, label: string) => h('option', { attrs: { value } }, label);
    const name = h('input', {
      attrs: { name: 'name', required: '', autocomplete: 'off', placeholder: 'например, Еженедельный отчёт для управления образования' },
    });
    const period = h('select', { attrs: { name: 'period' } }, ...data.periods.map((p) => option(p.key, p.title)));
    const format = h('select', { attrs: { name: 'format' } }, ...data.formats.map((f) => option(f.key, f.title)));
    const audience = h('select', { attrs: { name: 'audience' } }, ...Object.entries(AUDIENCES).map(([key, title]) => option(key, title)));
    const recipients = h('textarea', {
      attrs: { name: 'recipients', rows: '3', autocomplete: 'off', spellcheck: 'false', placeholder: 'ivanova@example.ru\npetrov@example.ru' },
    });
    // `value` as an attribute: the form's reset brings the default schedule back.
    const cron = h('input', {
      attrs: { name: 'cron', value: DEFAULT_CRON, required: '', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'cron-hint cron-preview' },
    });
    const preview = h('p', { className: 'sub-preview', id: 'cron-preview', attrs: { 'aria-live': 'polite' } });

    const boxes = data.metrics.map((m) => h('input', { attrs: { type: 'checkbox', name: 'metrics', value: m.name } }));
    const metricsHint = h('p', { className: 'sub-detail', id: 'sub-metrics-hint' });
    const updateMetricsHint = () => {
      const checked = boxes.filter((box) => box.checked).length;
      metricsHint.textContent =
        checked === 0
          ? 'Ничего не отмечено — в отчёт войдёт его стандартный набор показателей.'
          : `Отмечено: ${formatInteger(checked)}. Снимите все отметки, чтобы отправлять стандартный набор показателей.`;
    };
    const metrics = h(
      'fieldset',
      { className: 'sub-metrics', attrs: { 'aria-describedby': 'sub-metrics-hint' } },
      h('legend', {}, 'Показатели'),
      metricsHint,
      h('div', { className: 'sub-metrics__list' }, ...data.metrics.map((m, i) => h('label', { className: 'sub-check' }, boxes[i], m.title))),
    );
    metrics.addEventListener('change', updateMetricsHint);

    const types = [...new Set(orgs.map((o) => o.type))].sort((a, b) => a.localeCompare(b, 'ru'));
    const type = h('select', { attrs: { name: 'type' } }, option('', 'Все типы'), ...types.map((t) => option(t, t)));
    const orgCodes = h('input', { attrs: { name: 'orgs', autocomplete: 'off', spellcheck: 'false', placeholder: 'например, СОШ-1, ДОУ-3' } });

    const error = h('p', { className: 'error-box', id: 'subscription-error', attrs: { role: 'alert' }, hidden: true });
    const submit = h('button', { className: 'action-button', attrs: { type: 'submit' } }, 'Сохранить');
    const cancel = h('button', { className: 'action-button action-button--secondary', attrs: { type: 'button' } }, 'Отмена');

    const row = (...fields: HTMLElement[]) => h('div', { className: 'sub-row' }, ...fields);
    subscriptionForm.replaceChildren(
      row(stackedField('Название', name), stackedField('Период', period), stackedField('Формат', format)),
      row(
        stackedField('Получатель', audience),
        h('div', { className: 'sub-field' }, stackedField('Адреса получателей', recipients), h('span', { className: 'sub-detail' }, 'По одному в строке или через запятую.')),
      ),
      row(
        h(
          'div',
          { className: 'sub-field' },
          stackedField('Расписание (cron)', cron),
          h('span', { className: 'sub-detail', id: 'cron-hint' }, 'Минуты, часы, день месяца, месяц, день недели: «0 8 * * 1» — в 08:00 по понедельникам.'),
        ),
        preview,
      ),
      metrics,
      row(stackedField('Тип организаций', type), stackedField('Организации (коды через запятую; пусто — все)', orgCodes)),
      error,
      h('div', { className: 'sub-form__actions' }, submit, cancel),
    );

    // ---- the schedule in words, as it is typed
    async function showPreview(): Promise<void> {
      previewAbort?.abort();
      const expression = cron.value.trim();
      if (!expression) {
        preview.dataset.state = 'failed';
        preview.textContent = 'Расписание не задано.';
        return;
      }
      const controller = new AbortController();
      previewAbort = controller;
      try {
        const answer = await getJson<CronPreview>(`/api/subscriptions/preview?cron=${encodeURIComponent(expression)}`, controller.signal);
        preview.dataset.state = 'ok';
        preview.replaceChildren(
          // The words are the server's clock, the list is this computer's: both said, so a
          // coordinator in another zone than the server sees why «08:00» sends at 16:00.
          h('span', { className: 'sub-preview__text' }, answer.zone ? `${answer.text} (по времени сервера, ${answer.zone})` : answer.text),
          h('span', { className: 'sub-detail' }, answer.next.length ? `Ближайшие отправки (по времени этого компьютера): ${answer.next.map(formatDateTime).join('; ')}.` : 'По этому расписанию отправок больше не будет.'),
        );
      } catch (e) {
        if (isAbortError(e)) return;
        preview.dataset.state = 'failed';
        preview.textContent = e instanceof Error ? e.message : String(e);
      }
    }
    const previewNow = () => {
      clearTimeout(previewTimer);
      void showPreview();
    };
    cron.addEventListener('input', () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(() => void showPreview(), 300);
    });

    // ---- create and edit modes
    const setMode = (s: Subscription | null) => {
      editingId = s?.id ?? null;
      subscriptionForm.dataset.mode = s ? 'edit' : 'create';
      if (s) subscriptionForm.dataset.id = String(s.id);
      else delete subscriptionForm.dataset.id;
      subscriptionFormTitle.textContent = s ? `Изменение рассылки «${s.name}»` : 'Новая рассылка';
      error.hidden = true;
      updateMetricsHint();
      previewNow();
    };
    resetSubscriptionForm = () => {
      subscriptionForm.reset();
      setMode(null);
    };
    editSubscription = (s) => {
      // A value the lists no longer have stays selectable, so saving does not change it unnoticed.
      const ensure = (select: HTMLSelectElement, value: string) => {
        if (value && ![...select.options].some((o) => o.value === value)) select.append(option(value, value));
        select.value = value;
      };
      name.value = s.name;
      ensure(period, s.period);
      ensure(format, s.format);
      ensure(audience, s.audience);
      ensure(type, s.type ?? '');
      recipients.value = s.recipients.join('\n');
      cron.value = s.cron;
      for (const box of boxes) box.checked = s.metrics.includes(box.value);
      orgCodes.value = s.orgs.join(', ');
      setMode(s);
      name.focus();
    };
    cancel.addEventListener('click', () => resetSubscriptionForm());

    subscriptionForm.onsubmit = (event) => {
      event.preventDefault();
      error.hidden = true;
      const id = editingId;
      const body: SubscriptionInput = {
        name: name.value.trim(),
        metrics: boxes.filter((box) => box.checked).map((box) => box.value),
        orgs: splitCodes(orgCodes.value),
        type: type.value || null,
        period: period.value,
        format: format.value,
        audience: audience.value,
        recipients: splitAddresses(recipients.value),
        cron: cron.value.trim(),
      };
      submit.disabled = true;
      void (async () => {
        try {
          const response = await send('POST', id === null ? '/api/subscriptions' : `/api/subscriptions/${id}`, body);
          if (!response.ok) {
            error.textContent = await errorText(response);
            error.hidden = false;
            return;
          }
          const { subscription } = (await response.json()) as { subscription: Subscription };
          resetSubscriptionForm();
          saySubscriptions(id === null ? `Рассылка «${subscription.name}» создана.` : `Рассылка «${subscription.name}» сохранена.`);
          await reloadSubscriptions(false);
        } catch {
          error.textContent = NETWORK_MESSAGE;
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      })();
    };

    setMode(null);
  }

  // ------------------------------------------------------------------ reminders to schools

  async function refreshReminders(withAddress: number): Promise<void> {
    if (!withAddress) {
      remindersHost.replaceChildren();
      return;
    }
    const { orgs } = await getJson<{ orgs: ReminderContact[] }>('/api/reminders', signal);
    remindersHost.replaceChildren(
      h(
        'details',
        { className: 'ops-details', attrs: { 'data-count': String(orgs.length) } },
        h('summary', {}, `Адреса напоминаний школам (${orgs.length})`),
        table(
          ['Организация', 'Адреса', 'Последнее напоминание', 'Отписались'],
          orgs.map((o) =>
            h(
              'tr',
              { attrs: { 'data-org': o.org } },
              cell(`${o.org} — ${o.name}${o.active ? '' : ' (не активна)'}`),
              h('td', { className: 'sub-recipients' }, o.emails.join(', ')),
              cell(o.sent_day ? formatDate(o.sent_day) : '—'),
              h('td', { className: 'sub-recipients' }, o.optouts.join(', ') || '—'),
            ),
          ),
          'Ни у одной организации нет адреса.',
          'ops-table sub-table',
          'reminders-table',
        ),
      ),
    );
  }

  // ------------------------------------------------------------------ mail outbox

  async function refreshOutbox(): Promise<void> {
    const { messages } = await getJson<{ messages: OutboxMessage[] }>('/api/mail/outbox?limit=50', signal);
    outboxHost.replaceChildren(
      table(
        ['Время', 'Кому', 'Тема', 'Состояние', 'Попыток', 'Ошибка'],
        messages.map((m) =>
          h(
            'tr',
            { attrs: { 'data-mail': String(m.id), 'data-kind': m.kind } },
            cell(formatDateTime(m.at)),
            h('td', { className: 'sub-recipients' }, m.to.join(', ') || '—'),
            cell(m.subject),
            cell(OUTBOX_STATUS[m.status] ?? m.status, m.status === 'failed' ? 'sub-failed' : undefined),
            cell(m.attempts, 'num'),
            cell(m.error),
          ),
        ),
        'Писем ещё не было.',
        'ops-table sub-table',
        'outbox-table',
      ),
    );
  }

  return {
    title: 'Синхронизация',
    description: 'Запуск синхронизации и её ход, журнал синхронизаций с итогом каждой организации, журнал действий, API-токены и рассылки отчётов по почте.',
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
      await Promise.all([refreshRuns(), refreshAudit(), refreshTokens(), refreshSubscriptions(true), refreshOutbox()]);
      listen();
    },
    clear() {
      runsHost.replaceChildren();
      auditHost.replaceChildren();
      tokensHost.replaceChildren();
      subscriptionsHost.replaceChildren();
      outboxHost.replaceChildren();
    },
    dispose() {
      events?.close();
      events = null;
      clearTimeout(previewTimer);
      previewAbort?.abort();
    },
  };
}
