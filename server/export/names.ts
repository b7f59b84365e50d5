/**
 * How an export of a metric, a workbook or a report is named: its file (`stem_from_to[_na_…].ext`,
 * ASCII so every browser keeps it) and its line in the audit log (period, organizations, date of
 * the data). One place for the CSV, the XLSX and the PDF.
 */
import type { MetricParams } from '../metrics/metrics.ts';

type Named = Pick<MetricParams, 'from' | 'to' | 'org' | 'as_of'>;

export function exportFileName(stem: string, p: Named, ext: string): string {
  return `${stem}${orgPart(p.org)}_${p.from}_${p.to}${p.as_of ? `_na_${p.as_of.asked.replace(/[^0-9T-]/g, '')}` : ''}.${ext}`;
}

/**
 * The organizations of an export in its name: one by its code in Latin letters (`_SOSh-1`), several
 * by their number (`_3org`), all by nothing — so that the files of two schools saved one after the
 * other do not take each other's name.
 */
function orgPart(orgs: readonly string[]): string {
  if (orgs.length === 0) return '';
  if (orgs.length > 1) return `_${orgs.length}org`;
  const code = exportOrgPart(orgs[0]!);
  return code ? `_${code}` : '';
}

/** An organization's code as a file name holds it: Latin letters, digits and dashes (СОШ-1 → SOSh-1). */
export function exportOrgPart(org: string): string {
  return translit(org).replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
}

const LATIN: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r',
  с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/** Russian letters in Latin ones (СОШ-1 → SOSh-1), the case kept on the first letter. */
function translit(s: string): string {
  return [...s]
    .map((ch) => {
      const lower = ch.toLowerCase();
      const latin = LATIN[lower];
      if (latin === undefined) return ch;
      return ch === lower || latin === '' ? latin : latin[0]!.toUpperCase() + latin.slice(1);
    })
    .join('');
}

/** An export's entry in the audit log: its period, organizations and, made as of a past moment, that moment («; на …», last). */
export function exportAuditDetail(p: Named): string {
  return `${p.from}…${p.to}${p.org.length ? `; ${p.org.join(', ')}` : ''}${p.as_of ? `; на ${p.as_of.asked}` : ''}`;
}

/** The `as_of` an export's audit entry (exportAuditDetail) names, as asked, or null. */
export function auditedAsOf(detail: string | null): string | null {
  return /; на (.+)$/.exec(detail ?? '')?.[1] ?? null;
}
