/**
 * Chart legends and x axes on a narrow screen (client/charts/templates/theme.ts): a long legend
 * label wraps instead of ending in «…»; a long axis title goes on two lines where the plot has no
 * room for it; an axis asks for fewer ticks on a narrow plot.
 */
import { describe, expect, it } from 'vitest';
import { axisTitle, topLegend, wrapText, xTickCount } from '../../client/charts/templates/index.ts';

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

describe('axisTitle', () => {
  const long = 'Доля педагогов с первой и высшей категорией'; // 43 characters

  it('splits a title the plot has no room for in two lines at a space', () => {
    // A 390 px phone leaves 390 − 150 = 240 px of plot; 43 × 7 = 301 px > 240. Lines of at most
    // ⌈43 / 2⌉ + 4 = 26 characters: «Доля педагогов с первой и» is 25, « высшей» would make 32.
    expect(axisTitle(long, 390)).toEqual(['Доля педагогов с первой и', 'высшей категорией']);
  });

  it('keeps one line where it fits: a desktop, a shorter title on a phone, and outside a browser', () => {
    expect(axisTitle(long, 1440)).toBe(long); // 301 ≤ 1290
    // 33 × 7 = 231 ≤ 240: drawn whole on one line at 390 px.
    expect(axisTitle('Часов обучения на одного педагога', 390)).toBe('Часов обучения на одного педагога');
    expect(axisTitle(long)).toBe(long); // no window in Node: one line
  });
});

describe('xTickCount', () => {
  it('asks for one tick per 55 px of plot (45 px for whole numbers), 2 at least, the given count at most', () => {
    expect(xTickCount(5)).toEqual({ expr: 'clamp(floor(width / 55), 2, 5)' });
    expect(xTickCount(6, 45)).toEqual({ expr: 'clamp(floor(width / 45), 2, 6)' });
  });
});
