/**
 * How an export of a metric, a workbook or a report is named: its file (`stem_from_to[_na_…].ext`,
 * ASCII so every browser keeps it) and its line in the audit log (period, organizations, date of
 * the data). One place for the CSV, the XLSX and the PDF.
 */
import type { MetricParams } from '../metrics/metrics.ts';

type Named = Pick<MetricParams, 'from' | 'to' | 'org' | 'as_of'>;

export function exportFileName(stem: string, p: Named, ext: string): string {
  return `${stem}_${p.from}_${p.to}${p.as_of ? `_na_${p.as_of.asked.replace(/[^0-9T-]/g, '')}` : ''}.${ext}`;
}

export function exportAuditDetail(p: Named): string {
  return `${p.from}…${p.to}${p.org.length ? `; ${p.org.join(', ')}` : ''}${p.as_of ? `; на ${p.as_of.asked}` : ''}`;
}
