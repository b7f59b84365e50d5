/**
 * Provisioning an organization's Google spreadsheet from the contract declaration
 * (`npm run provision -- --org СОШ-2`).
 *
 * A new spreadsheet: one `spreadsheets.create` (every tab of TABS with its header row, header
 * notes, frozen row 1, the items of the order pre-filled on «Исполнение распоряжения»), its ID
 * written into the «Таблица» cell of the organization's registry row (`values.update`), then
 * one `batchUpdate`: drop-down lists (ONE_OF_LIST) for the enumerations, categories and Да/Нет,
 * date and number checks, a protected header row, column widths and date formats. Optionally
 * shared with the school (Drive `permissions.create`, role writer).
 *
 * An existing spreadsheet (the registry cell holds an ID): read (two `spreadsheets.get`: tabs,
 * frozen rows and protections; then the first rows of the declared tabs with their data
 * validations), and only what is missing is added in one `batchUpdate` — a missing tab, a
 * missing column (its header after the last used header cell), a missing check under a header,
 * the frozen and protected header row. Nothing a school typed is rewritten: no existing header,
 * value or validation is touched. Nothing missing: no `batchUpdate` at all.
 *
 * The request builders are pure (declaration + what exists → requests); `provision` runs them.
 */
import type { DataIssue, RawTab } from '../../contract/index.ts';
import { columnLetter } from '../../template/xlsx.ts';
import { extractSpreadsheetId, quoteSheetTitle } from '../sheetId.ts';
import { type SheetsWriter, spreadsheetUrl } from '../write.ts';
import type { sheets_v4 } from 'googleapis/build/src/apis/sheets/v4.js';
import { linkedSpreadsheetOf, readExisting, readRegistryRow } from './existing.ts';
import { ProvisionError, type Request, buildCreateBody, buildSetupRequests, planMissing } from './requests.ts';

export interface ProvisionOptions {
  writer: SheetsWriter;
  /** The registry spreadsheet: an ID or its URL. */
  registryId: string;
  /** The organization's code in the registry. */
  org: string;
  /** Share the spreadsheet with this e-mail (role writer). */
  share?: string | null | undefined;
  /** Read what exists, send no change. */
  dryRun?: boolean | undefined;
  /**
   * The sync's findings on the registry tab (server/sync/registry.ts `parseRegistry`, given by
   * the caller: the sync is a layer above): the organization's row's errors are shown as notes.
   */
  registryFindings?: ((tab: RawTab) => readonly DataIssue[]) | undefined;
}

export interface ProvisionResult {
  org: string;
  name: string;
  /** null only on a dry run that would create the spreadsheet. */
  spreadsheetId: string | null;
  url: string | null;
  created: boolean;
  /** The `spreadsheets.create` body (sent, or that would be sent). */
  createBody: sheets_v4.Schema$Spreadsheet | null;
  /** The `batchUpdate` requests (sent, or that would be sent); empty when nothing is missing. */
  requests: Request[];
  changes: string[];
  problems: string[];
  /** The registry cell written (A1), or null. */
  registryCell: string | null;
  /** The e-mail the spreadsheet was (or would be) shared with. */
  shared: string | null;
  dryRun: boolean;
  /** Notes for the person running it (inactive organization, …). */
  notes: string[];
}

export async function provision(o: ProvisionOptions): Promise<ProvisionResult> {
  const { writer } = o;
  const registryId = extractSpreadsheetId(o.registryId) ?? o.registryId.trim();
  const reg = await readRegistryRow(writer, registryId, o.org, o.registryFindings);
  const email = await writer.serviceEmail();
  const dryRun = o.dryRun === true;
  const result: ProvisionResult = {
    org: reg.code,
    name: reg.name,
    spreadsheetId: null,
    url: null,
    created: false,
    createBody: null,
    requests: [],
    changes: [],
    problems: [],
    registryCell: null,
    shared: null,
    dryRun,
    notes: [...reg.notes, ...(reg.active ? [] : [`организация ${reg.code} отмечена в реестре как неактивная: её таблица не синхронизируется, пока в столбце «Активна» не будет «Да»`])],
  };
  const cell = `${quoteSheetTitle(reg.tabTitle)}!${columnLetter(reg.sheetColumn + 1)}${reg.row}`;
  const who = `организации ${reg.code}`;

  let id: string;
  if (reg.sheet === '') {
    const body = buildCreateBody(reg);
    result.createBody = body;
    result.created = true;
    if (dryRun) {
      result.requests = buildSetupRequests((title) => body.sheets!.find((s) => s.properties?.title === title)!.properties!.sheetId!);
      result.changes.push('таблица со всеми листами шаблона', `её ID в реестре (ячейка ${cell})`, 'выпадающие списки, проверки дат и чисел, защита строки заголовков, ширина столбцов');
      if (o.share) result.shared = o.share;
      return result;
    }
    const created = await writer.call<sheets_v4.Schema$Spreadsheet>(
      `создание таблицы ${who}`,
      (c) => c.sheets.spreadsheets.create({ requestBody: body, fields: 'spreadsheetId,sheets.properties(sheetId,title)' }),
      { retry: 'rateLimitOnly' },
    );
    if (!created.spreadsheetId) throw new ProvisionError(`Google не вернул ID созданной таблицы ${who}`);
    id = created.spreadsheetId;
    result.spreadsheetId = id;
    result.url = spreadsheetUrl(id);
    result.changes.push('таблица со всеми листами шаблона');
    try {
      await writer.call(`запись ID таблицы в реестр (ячейка ${cell})`, (c) =>
        c.sheets.spreadsheets.values.update({ spreadsheetId: registryId, range: cell, valueInputOption: 'RAW', requestBody: { values: [[id]] } }),
      );
    } catch (e) {
      throw new ProvisionError(
        `таблица ${who} создана (ID ${id}, ${spreadsheetUrl(id)}), но её ID не записан в реестр: ${(e as Error).message}. Впишите ID в столбец «Таблица» вручную — иначе повторный запуск создаст ещё одну таблицу`,
      );
    }
    result.registryCell = cell;
    result.changes.push(`её ID в реестре (ячейка ${cell})`);
    const ids = new Map((created.sheets ?? []).map((s) => [s.properties?.title ?? '', s.properties?.sheetId ?? null]));
    result.requests = buildSetupRequests((title) => ids.get(title) ?? body.sheets!.find((s) => s.properties?.title === title)!.properties!.sheetId!);
    try {
      await writer.call(`оформление таблицы ${who}`, (c) => c.sheets.spreadsheets.batchUpdate({ spreadsheetId: id, requestBody: { requests: result.requests } }));
    } catch (e) {
      throw new ProvisionError(
        `таблица ${who} создана (ID ${id}) и записана в реестр, но списки, проверки и защита заголовков не добавлены: ${(e as Error).message}. Запустите команду ещё раз — недостающее будет добавлено`,
      );
    }
    result.changes.push('выпадающие списки, проверки дат и чисел, защита строки заголовков, ширина столбцов');
  } else {
    // A file smart chip or a linked text shows the spreadsheet's title: its link is the address,
    // as the sync reads it (it was refused, with advice to clear the cell — a second, empty
    // spreadsheet for an organization that has one: an outside review).
    const found = extractSpreadsheetId(reg.sheet) ?? (await linkedSpreadsheetOf(writer, registryId, cell));
    if (found === null) {
      throw new ProvisionError(
        `в столбце «Таблица» реестра у организации ${reg.code} (ячейка ${cell}) не ID и не ссылка на Google Таблицу: «${reg.sheet}». Впишите ID или адрес таблицы (чип файла замените адресом) — или, если таблицы у организации ещё нет, очистите ячейку, чтобы создать новую`,
      );
    }
    id = found;
    result.spreadsheetId = id;
    result.url = spreadsheetUrl(id);
    const existing = await readExisting(writer, id, `проверка таблицы ${who} (ID ${id})`, {
      notFound: 'таблица не найдена: проверьте столбец «Таблица» реестра — или очистите ячейку, чтобы создать новую таблицу',
      forbidden: `нет доступа: откройте таблице доступ «Редактор» для сервисного аккаунта ${email}`,
    });
    const plan = planMissing(existing);
    result.requests = plan.requests;
    result.changes.push(...plan.changes);
    result.problems.push(...plan.problems);
    if (plan.requests.length > 0 && !dryRun) {
      await writer.call(`дополнение таблицы ${who} (ID ${id})`, (c) => c.sheets.spreadsheets.batchUpdate({ spreadsheetId: id, requestBody: { requests: plan.requests } }), {
        forbidden: `нет прав на запись: откройте таблице доступ «Редактор» для сервисного аккаунта ${email}`,
      });
    }
  }

  if (o.share) {
    result.shared = o.share;
    if (!dryRun) {
      await writer.call(
        `открытие доступа к таблице ${who} для ${o.share}`,
        (c) =>
          c.drive.permissions.create({
            fileId: id,
            supportsAllDrives: true,
            sendNotificationEmail: true,
            fields: 'id',
            requestBody: { type: 'user', role: 'writer', emailAddress: o.share! },
          }),
        {
          forbidden: `Google Диск не разрешил сервисному аккаунту открыть доступ (право drive.file действует только на таблицы, созданные этим аккаунтом): откройте доступ «Редактор» для ${o.share} вручную — кнопка «Настройки доступа» в таблице`,
          notFound: 'таблица не найдена на Google Диске сервисного аккаунта: откройте доступ вручную — кнопка «Настройки доступа» в таблице',
          budget: 'drive',
        },
      );
    }
  }
  return result;
}

export * from './requests.ts';
export * from './existing.ts';
