/**
 * `npm run template -- --xlsx out.xlsx`: writes the XLSX template of an organization's
 * spreadsheet (tabs, headers with notes, drop-down lists, date and number checks, the items
 * of the order) generated from the contract declaration. The server offers the same file at
 * `/template.xlsx`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
  if (!target || target.startsWith('--') || args.length !== 2) {
    console.error(`Не указан файл.\n${USAGE}`);
    return 2;
  }
  const path = resolve(target);
  try {
    writeFileSync(path, await buildTemplate());
  } catch (e) {
    console.error(`Не удалось записать ${path}: ${(e as Error).message}`);
    return 1;
  }
  console.log(`Шаблон таблицы организации записан: ${path}`);
  return 0;
}

process.exitCode = await main();
