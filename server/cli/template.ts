/**
 * `npm run template -- --xlsx out.xlsx`: writes the XLSX template of an organization's
 * spreadsheet (tabs, headers with notes, drop-down lists, date and number checks, the items
 * of the order) generated from the contract declaration. The server offers the same file at
 * `/template.xlsx`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildTemplate } from '../template/xlsx.ts';

const USAGE = 'Использование: npm run template -- --xlsx <файл.xlsx>';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--xlsx');
  const target = i >= 0 ? args[i + 1] : undefined;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.find((_, k) => i < 0 || (k !== i && k !== i + 1));
  if (unknown !== undefined) {
    console.error(`Неизвестный параметр «${unknown}».\n${USAGE}`);
    return 2;
  }
  if (!target || target.startsWith('--')) {
    console.error(`Не указан файл.\n${USAGE}`);
    return 2;
  }
  const path = resolve(target);
  try {
    writeFileSync(path, await buildTemplate());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `папки ${dirname(path)} нет`
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'нет прав на запись'
          : code === 'EISDIR'
            ? 'это папка, а не файл'
            : (e as Error).message;
    console.error(`Не удалось записать ${path}: ${why}`);
    return 1;
  }
  console.log(`Шаблон таблицы организации записан: ${path}`);
  return 0;
}

process.exitCode = await main();
