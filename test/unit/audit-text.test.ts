/** The journal's «Объект» column (client/auditText.ts): exports named in Russian, not by API names. */
import { describe, expect, it } from 'vitest';
import { auditDetailText, auditTargetText } from '../../client/auditText.ts';

describe('auditTargetText', () => {
  it('names an export’s metrics by their short titles and the PDFs by their kind', () => {
    expect(auditTargetText('export_xlsx', 'engagement,pairs_by_form')).toBe('Вовлечённость, Пары по формам');
    expect(auditTargetText('export_csv', 'young_specialists')).toBe('Молодые специалисты');
    expect(auditTargetText('export_pdf', 'summary')).toBe('сводка (PDF)');
    expect(auditTargetText('export_pdf', 'report')).toBe('отчёт по всем показателям (PDF)');
    // The lists of people read «mentees», «mentors» (an outside review).
    expect(auditTargetText('export_csv', 'mentees')).toBe('список наставляемых');
    expect(auditTargetText('export_csv', 'mentors')).toBe('список наставников');
  });

  it('writes an entry’s dates as the page does and a role in words', () => {
    expect(auditDetailText('2025-09-01…2026-08-31; СОШ-1, ДОУ-2')).toBe('01.09.2025…31.08.2026; СОШ-1, ДОУ-2');
    expect(auditDetailText('роль coordinator')).toBe('роль координатор');
    expect(auditDetailText('№ 3, роль school, СОШ-1')).toBe('№ 3, роль организация, СОШ-1');
    expect(auditDetailText(null)).toBeNull();
  });

  it('keeps what it does not know, and every other action’s object as it is', () => {
    expect(auditTargetText('export_csv', 'mentors.csv')).toBe('mentors.csv');
    expect(auditTargetText('user_add', 'summary')).toBe('summary');
    expect(auditTargetText('export_xlsx', null)).toBeNull();
  });
});
