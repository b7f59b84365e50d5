/** Chart legends (client/charts/templates/theme.ts topLegend): a long label wraps instead of ending in «…». */
import { describe, expect, it } from 'vitest';
import { topLegend, wrapText } from '../../client/charts/templates/index.ts';

describe('topLegend', () => {
  it('wraps a label longer than 34 characters at spaces and leaves the short ones as they are', () => {
    const long = 'Категория истекает в 12 месяцев после конца периода'; // 51 characters
    // «Категория истекает в 12 месяцев» is 31 characters; adding « после» would make 38 > 34.
    expect(wrapText(long, 34)).toEqual(['Категория истекает в 12 месяцев', 'после конца периода']);
    const legend = topLegend(null, 'Цвет', [long, 'Срок категории кончается в периоде']);
    expect(legend.labelExpr).toBe(`datum.value === ${JSON.stringify(long)} ? ["Категория истекает в 12 месяцев","после конца периода"] : datum.value`);
    // One line needs room for the longest line of each label: (31 + 34) × 7.2 + 2 × 26 + 80 = 600.
    expect(legend.columns).toEqual({ expr: 'containerSize()[0] < 600 ? 1 : 0' });
  });

  it('has no label expression when every label fits a line', () => {
    expect(topLegend('Тип организации', 'Цвет', ['Школа', 'Детский сад'])).not.toHaveProperty('labelExpr');
  });
});
