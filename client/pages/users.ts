/**
 * Page «Пользователи» (coordinator only): the accounts, a form to add one, a new password or
 * removal for each. A generated password is shown once, right after the change: the server
 * keeps only its hash. The server checks every rule (roles, organization codes, the last
 * coordinator); this page shows its Russian answers as they are.
 */
import { ROLE_LABELS, orgName, roleFields, stackedField } from '../accountForm.ts';
import { fetchJson, getOrgs, type Org } from '../api.ts';
import { h } from '../dom.ts';
import { formatDateTime } from '../format.ts';
import { errorText, send, session } from '../session.ts';
import type { Page, PageContext } from './page.ts';

interface UserRow {
  id: number;
  login: string;
  role: 'coordinator' | 'school' | 'region';
  org: string | null;
  full_name: string | null;
  created_at: string;
  password_changed_at: string;
  must_change_password?: boolean;
}

/** The columns of the accounts' table; the last one holds the buttons. */
const COLUMNS = ['Логин', 'Роль', 'Организация', 'ФИО', 'Пароль задан', ''] as const;

async function listUsers(signal: AbortSignal): Promise<UserRow[]> {
  return ((await fetchJson('/api/users', signal)) as { users: UserRow[] }).users;
}

export function createUsersPage(container: HTMLElement, _ctx: PageContext): Page {
  const notice = h('div', { className: 'users-notice', attrs: { role: 'status' }, hidden: true });
  const tableHost = h('div', { className: 'users-table' });
  const form = h('form', { className: 'users-form', attrs: { 'aria-label': 'Новая учётная запись', novalidate: '' } });
  const section = (title: string, ...children: Node[]) => h('section', { className: 'panel panel--wide' }, h('h2', { className: 'panel__title' }, title), ...children);
  container.replaceChildren(h('div', { className: 'panels' }, notice, section('Учётные записи', tableHost), section('Новая учётная запись', form)));
  let orgs: Org[] = [];
  let signal: AbortSignal | null = null;

  const say = (text: string, password?: string) => {
    notice.className = 'users-notice';
    notice.replaceChildren(text);
    if (password) {
      notice.append(
        ' Пароль: ',
        h('code', { className: 'users-password' }, password),
        ' — сообщите его владельцу; он показан один раз. При первом входе владелец сменит его на свой.',
      );
    }
    notice.hidden = false;
  };
  const fail = (text: string) => {
    notice.className = 'users-notice users-notice--error';
    notice.replaceChildren(h('strong', {}, 'Ошибка: '), text);
    notice.hidden = false;
  };

  async function refresh(): Promise<void> {
    const users = await listUsers(signal ?? new AbortController().signal);
    const me = session()?.login;
    const rows = users.map((u) => {
      const passwd = h('button', { className: 'button-link', attrs: { type: 'button' } }, 'Новый пароль');
      passwd.addEventListener('click', () => {
        void (async () => {
          const response = await send('POST', `/api/users/${encodeURIComponent(u.login)}/password`);
          if (!response.ok) return fail(await errorText(response));
          const body = (await response.json()) as { password: string };
          say(`Пароль учётной записи «${u.login}» изменён; её открытые сеансы завершены.`, body.password);
          await refresh();
        })();
      });
      const remove = h('button', { className: 'button-link button-link--danger', attrs: { type: 'button' } }, 'Удалить');
      remove.addEventListener('click', () => {
        if (!confirm(`Удалить учётную запись «${u.login}»?`)) return;
        void (async () => {
          const response = await send('DELETE', `/api/users/${encodeURIComponent(u.login)}`);
          if (!response.ok) return fail(await errorText(response));
          say(`Учётная запись «${u.login}» удалена.`);
          await refresh();
        })();
      });
      const org = orgName(orgs, u.org);
      return h(
        'tr',
        { attrs: { role: 'row' } },
        // `data-label`: the column's name, which a phone prints before the value (one card per account).
        h('td', { className: 'users-login', attrs: { role: 'cell' } }, u.login, u.login === me ? ' (вы)' : ''),
        h('td', { attrs: { role: 'cell', 'data-label': COLUMNS[1]! } }, ROLE_LABELS[u.role] ?? u.role),
        h('td', { attrs: { role: 'cell', 'data-label': COLUMNS[2]! } }, org),
        h('td', { attrs: { role: 'cell', 'data-label': COLUMNS[3]! } }, u.full_name ?? '—'),
        h('td', { attrs: { role: 'cell', 'data-label': COLUMNS[4]! } }, formatDateTime(u.password_changed_at), u.must_change_password ? ' (выданный, сменят при входе)' : ''),
        h('td', { className: 'users-actions', attrs: { role: 'cell' } }, passwd, ' ', remove),
      );
    });
    tableHost.replaceChildren(
      h(
        'table',
        // Roles spelt out: on a phone the rows are cards (style.css), and a table shown as blocks loses them.
        { className: 'data-table', attrs: { role: 'table' } },
        h('thead', { attrs: { role: 'rowgroup' } }, h('tr', { attrs: { role: 'row' } }, ...COLUMNS.map((t) => h('th', { attrs: { scope: 'col', role: 'columnheader' } }, t)))),
        h('tbody', { attrs: { role: 'rowgroup' } }, ...rows),
      ),
    );
  }

  function renderForm(): void {
    const login = h('input', { attrs: { name: 'login', required: '', autocomplete: 'off', spellcheck: 'false' } });
    const fullName = h('input', { attrs: { name: 'full_name', autocomplete: 'off' } });
    const access = roleFields(orgs, 'school');
    const submit = h('button', { className: 'action-button', attrs: { type: 'submit' } }, 'Создать');
    form.replaceChildren(
      stackedField('Логин', login),
      ...access.fields,
      stackedField('ФИО (необязательно)', fullName),
      submit,
    );
    form.onsubmit = (event) => {
      event.preventDefault();
      submit.disabled = true;
      void (async () => {
        try {
          const response = await send('POST', '/api/users', {
            login: login.value,
            role: access.role(),
            org: access.org(),
            full_name: fullName.value || null,
          });
          if (!response.ok) return fail(await errorText(response));
          const body = (await response.json()) as { user: UserRow; password: string };
          say(`Учётная запись «${body.user.login}» создана.`, body.password);
          login.value = '';
          fullName.value = '';
          await refresh();
        } finally {
          submit.disabled = false;
        }
      })();
    };
  }

  return {
    title: 'Пользователи',
    description: 'Учётные записи: координатор видит всё и запускает синхронизацию; организация — только свои данные; регион — только сводные показатели, без ФИО.',
    scope: 'none',
    navPath: '/users',
    metrics: [],
    async show(_filters, s) {
      signal = s;
      orgs = await getOrgs(s);
      renderForm();
      await refresh();
    },
    clear() {
      tableHost.replaceChildren();
    },
    dispose() {},
  };
}
