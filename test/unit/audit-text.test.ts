/** The journal's «Объект» column (client/auditText.ts): exports named in Russian, not by API names. */
import { describe, expect, it } from 'vitest';
import { auditTargetText } from '../../client/auditText.ts';

describe('auditTargetText', () => {
  it('names an export’s metrics by their short titles and the PDFs by their kind', () => {
    expect(auditTargetText('export_xlsx', 'engagement,pairs_by_form')).toBe('Вовлечённость, Пары по формам');
    expect(auditTargetText('export_csv', 'young_specialists')).toBe('Молодые специалисты');
    expect(auditTargetText('export_pdf', 'summary')).toBe('сводка (PDF)');
    expect(auditTargetText('export_pdf', 'report')).toBe('отчёт по всем показателям (PDF)');
  });

  it('keeps what it does not know, and every other action’s object as it is', () => {
    expect(auditTargetText('export_csv', 'mentors.csv')).toBe('mentors.csv');
    expect(auditTargetText('user_add', 'summary')).toBe('summary');
    expect(auditTargetText('export_xlsx', null)).toBeNull();
  });
});
