/**
 * The pages of the dashboard and their paths. No dependencies: the server imports this list
 * too (`server/routes/client.ts`) to answer every page path with `index.html`.
 */

export interface NavItem {
  path: string;
  title: string;
}

/** The navigation bar, in order. The server answers these paths and `/org/<code>` with `index.html`. */
export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/', title: 'Обзор' },
  { path: '/organizations', title: 'Организации' },
  { path: '/engagement', title: 'Вовлечённость' },
  { path: '/professional-development', title: 'Повышение квалификации и аттестация' },
  { path: '/programs', title: 'Программы (ППН)' },
  { path: '/compliance', title: 'Исполнение распоряжения' },
  { path: '/people', title: 'Наставники и наставляемые' },
  { path: '/practices', title: 'Практики и мероприятия' },
  { path: '/data-quality', title: 'Качество данных' },
  { path: '/operations', title: 'Синхронизация' },
  { path: '/users', title: 'Пользователи' },
];

/** Pages that list people by name: not for a regional account (the server refuses them too). */
export const NAMED_PAGES: readonly string[] = ['/people', '/data-quality'];

/** Pages only a coordinator's account sees (the server refuses them to the others). */
export const COORDINATOR_PAGES: readonly string[] = ['/operations', '/users'];

/** The printable report (no navigation, no filters): `/report?from&to&type&org`; `GET /api/report.pdf` prints it. */
export const REPORT_PATH = '/report';

/** The summary report (issue #21: at most three printed pages), like the report: `GET /api/report.pdf?kind=summary` prints it. */
export const SUMMARY_PATH = '/summary';

/** How to fill the spreadsheet (public: the schools' staff need no account), and the template: served by the server itself. */
export const HELP_PATH = '/help';
export const TEMPLATE_PATH = '/template.xlsx';

/** A reminder's «Отписаться» (public: the school's address signs it, issue #21): `?org&email&t`; POST does it (also RFC 8058 one-click). */
export const UNSUBSCRIBE_PATH = '/unsubscribe';

/** The login form (public; every other page sends an anonymous visitor here with `?next=`). */
export const LOGIN_PATH = '/login';

/**
 * «Сменить пароль»: any account's own password (from the account box). An account whose
 * password was set by somebody else is sent here (`?next=`) from every other page until it
 * chooses its own.
 */
export const PASSWORD_PATH = '/password';

/** Backslashes and control characters: browsers drop or rewrite them (`/\t/x` → `//x`). */
const UNSAFE_IN_NEXT = /[\\\u0000-\u001f\u007f-\u009f]/;

/**
 * Where to go after logging in or changing the password (`?next=`): a path of this site only
 * (no open redirect). `next` is resolved against `origin` as the browser would resolve it; a
 * value with a backslash or a control character, one of another origin or scheme, and the
 * login and password pages themselves give `/`. Returns the path, query and fragment.
 */
export function safeNextPath(next: string | null | undefined, origin: string): string {
  if (!next || next.length > 2000 || UNSAFE_IN_NEXT.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || (url.protocol !== 'http:' && url.protocol !== 'https:')) return '/';
  if (url.pathname === LOGIN_PATH || url.pathname === PASSWORD_PATH) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  // `/.//evil.example` resolves to the path `//evil.example` here — which, assigned, is another
  // host: what is returned must itself resolve to this origin.
  if (path.startsWith('//') || new URL(path, origin).origin !== origin) return '/';
  return path;
}

/** The page of one organization: `/org/<code>` (the code URL-encoded). */
export const ORG_PAGE_PREFIX = '/org/';

export type Route = { kind: 'nav'; path: string } | { kind: 'org'; code: string } | { kind: 'unknown' };

export function routeOf(pathname: string): Route {
  if (pathname.startsWith(ORG_PAGE_PREFIX)) {
    try {
      const code = decodeURIComponent(pathname.slice(ORG_PAGE_PREFIX.length));
      if (code !== '' && !code.includes('/')) return { kind: 'org', code };
    } catch {
      // A malformed escape: not a page.
    }
    return { kind: 'unknown' };
  }
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return NAV_ITEMS.some((item) => item.path === path) ? { kind: 'nav', path } : { kind: 'unknown' };
}

export function sameRoute(a: Route, b: Route): boolean {
  if (a.kind === 'nav' && b.kind === 'nav') return a.path === b.path;
  if (a.kind === 'org' && b.kind === 'org') return a.code === b.code;
  return a.kind === b.kind;
}

