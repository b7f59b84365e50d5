/**
 * The `google` source of the sync: a thin adapter from the Source interface to the Google
 * boundary's reader (server/google/read.ts), which holds the requests, budgets, change
 * detection and the Russian wording of every failure. Here: the options as configured, the
 * registry tab looked up by the contract's title rule, "unchanged since the last load", the
 * size limits of a tab, and the reader's errors handed on as SourceErrors.
 */
import { countOf, matchKey, registryTabsProblem } from '../contract/index.ts';
import { ReadError, createSheetsReader, type Counters, type SheetsReaderOptions, type TabSize } from '../google/read.ts';
import { ID_RE, extractSpreadsheetId } from '../google/sheetId.ts';
import type { GoogleCredentials } from '../google/transport.ts';
import { SourceError, type FetchContext, type FetchResult, type OrgEntry, type RawTab, type Source } from './types.ts';

export { DEFAULT_DRIVE_PER_MINUTE, DEFAULT_SHEETS_READS_PER_MINUTE } from '../google/read.ts';

export interface GoogleSourceOptions extends Omit<SheetsReaderOptions, 'credentials'> {
  /** Registry spreadsheet: a bare ID or its full URL. */
  registryId: string;
  /** API key (works for sheets shared "anyone with the link"). Ignored when `credentialsFile` is set. */
  apiKey?: string | undefined;
  /** Service-account key file (JSON). */
  credentialsFile?: string | undefined;
  /**
   * Service account only: sign scoped JWTs locally (self-signed JWT) instead of exchanging
   * them at oauth2.googleapis.com. On by default (GOOGLE_SELF_SIGNED_JWT=0 turns it off): no
   * token request, and the same mode works against a fake server (tests, the benchmark).
   */
  jwtAccess?: boolean | undefined;
  /** Title of the registry tab. Default `Организации` (matched by the contract's title rule). */
  registryTab?: string | undefined;
}

const DEFAULT_REGISTRY_TAB = 'Организации';

export function createGoogleSource(opts: GoogleSourceOptions): Source {
  const registryTab = opts.registryTab ?? DEFAULT_REGISTRY_TAB;
  const registryId = extractSpreadsheetId(opts.registryId) ?? opts.registryId.trim();
  const credentials: GoogleCredentials =
    opts.credentialsFile !== undefined && opts.credentialsFile !== ''
      ? { kind: 'service', file: opts.credentialsFile, jwtAccess: opts.jwtAccess }
      : opts.apiKey !== undefined && opts.apiKey !== ''
        ? { kind: 'key', key: opts.apiKey }
        : { kind: 'none' };
  const reader = createSheetsReader({ ...opts, credentials });
  // The registry's tab as this sync read it (readRegistry), for the links of its rows.
  let registryTitle: string | null = null;
  /**
   * The spreadsheet an organization's registry row links to when its «Таблица» cell shows no ID
   * or URL: Sheets turns a pasted link into a file smart chip (the cell shows the spreadsheet's
   * title, the link is the chip's) or a linked text. One request, for such a row only; the row's
   * links must name exactly one spreadsheet. Null when they do not (or the row cannot be read).
   */
  const linkedSpreadsheet = async (org: OrgEntry, c: Counters): Promise<string | null> => {
    if (registryTitle === null || !ID_RE.test(registryId)) return null;
    return reader.rowLink({ kind: 'registry', id: registryId }, c, registryTitle, org.registryRow).catch(() => null);
  };
  const description = `Google Sheets: реестр ${registryId}, ${reader.authDescription}${opts.rootUrl ? `, API ${opts.rootUrl}` : ''}`;

  return {
    kind: 'google',
    description,

    etaMs: (orgs) => reader.etaMs(orgs),
    syncNotes: () => reader.syncNotes(),
    syncCounts: () => reader.syncCounts(),

    readRegistry: (counts) =>
      asSourceError(async () => {
        // A sync starts by reading the registry: what the last one learned about Drive is forgotten.
        reader.startSync();
        const t = { kind: 'registry', id: registryId } as const;
        const c: Counters = counts ?? { requests: 0, retries: 0 };
        if (!ID_RE.test(registryId)) {
          throw new SourceError(`ID реестра организаций «${reader.sanitize(opts.registryId)}» не похож на ID Google Таблицы: укажите в SHEETS_REGISTRY_ID ID или ссылку на таблицу`, 'not_found');
        }
        const titles = await reader.tabTitles(t, c);
        // The contract's rule for tab titles (the folder source's too): case, ё/е, spaces and punctuation do not matter.
        const want = matchKey(registryTab);
        const title = titles.find((x) => matchKey(x) === want);
        const twice = registryTabsProblem(titles, registryTab);
        if (twice !== null) throw new SourceError(twice, 'bad_shape', c.requests, c.retries);
        if (title === undefined) {
          const have = titles.length > 0 ? titles.map((x) => `«${x}»`).join(', ') : 'нет ни одного';
          throw new SourceError(`в реестре организаций (таблица ${registryId}) нет листа «${registryTab}»; листы: ${have}`, 'bad_shape', c.requests, c.retries);
        }
        registryTitle = title;
        return reader.tabValues(t, c, title);
      }),

    fetchOrg: (org: OrgEntry, ctx: FetchContext) =>
      asSourceError(async (): Promise<FetchResult> => {
        const c: Counters = { requests: 0, retries: 0 };
        const id = extractSpreadsheetId(org.sheet) ?? (await linkedSpreadsheet(org, c));
        if (id === null) {
          throw new SourceError(
            `у организации ${org.code} в столбце «Таблица» реестра (строка ${org.registryRow}) не ID и не ссылка на Google Таблицу: «${org.sheet}»; ` +
              'вставьте в ячейку полный адрес таблицы вида https://docs.google.com/spreadsheets/d/<ID>/edit или сам ID (если в ячейке чип файла — название таблицы со значком, — замените чип адресом)',
            'not_found',
            c.requests,
            c.retries,
          );
        }
        const t = { kind: 'org', code: org.code, id } as const;
        const version = ctx.knownVersion !== undefined ? ctx.knownVersion : await reader.version(t, c);
        if (!ctx.full && version !== null && version === ctx.lastVersion) {
          return { status: 'unchanged', version, requests: c.requests, retries: c.retries };
        }
        const limits = ctx.limits;
        const tabs: RawTab[] = await reader.readTabs(t, c, ctx.wantTab ?? (() => true), (tab) => (limits ? gridSizeProblem(tab, limits) : null));
        return { status: 'ok', tabs, version, requests: c.requests, retries: c.retries, spreadsheetId: id };
      }),
  };
}

/** The reader's failures, already worded for the coordinator, handed on as the sync's SourceError. */
async function asSourceError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ReadError) throw new SourceError(e.message, e.code, e.requests, e.retries);
    throw e;
  }
}

/** Why a tab is over the size limits by its grid size (known before reading), or null. */
export function gridSizeProblem(tab: TabSize, limits: { maxRowsPerTab: number; maxCellsPerSheet: number }): string | null {
  const rows = tab.rows ?? 0;
  const cells = rows * (tab.columns ?? 0);
  // «Сохранены данные прошлой загрузки» was not true of a tab never loaded, and «пустые» not of a sheet really that full.
  const tail = 'лист не прочитан, его строки в базе не изменены; удалите лишние строки и столбцы (пустые в конце листа тоже считаются) или перенесите старые записи в другую таблицу';
  if (rows > limits.maxRowsPerTab) {
    return `лист «${tab.title}» слишком большой: в нём ${countOf(rows, 'строка', 'строки', 'строк')} вместе с пустыми (предел — ${countOf(limits.maxRowsPerTab, 'строка', 'строки', 'строк')}); ${tail}`;
  }
  if (cells > limits.maxCellsPerSheet) {
    return `лист «${tab.title}» слишком большой: в нём ${countOf(cells, 'ячейка', 'ячейки', 'ячеек')} вместе с пустыми (предел — ${countOf(limits.maxCellsPerSheet, 'ячейка', 'ячейки', 'ячеек')}); ${tail}`;
  }
  return null;
}
