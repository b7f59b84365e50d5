/**
 * Items of order № 116-26-93 of 17.02.2023 that the dashboard tracks (docs/spec/ORDER.md): `title`
 * in the order's own words (without its «срок …», which comes with the data as
 * `compliance.deadline`) for lists, tables and tooltips; `short` for chart axes only.
 * Deadlines come with the data (`compliance.deadline`).
 */
export interface OrderItem {
  item: string;
  title: string;
  short: string;
}

export const ORDER_NUMBER = '№ 116-26-93 от 17.02.2023';

export const ORDER_ITEMS: readonly OrderItem[] = [
  {
    item: '3.1',
    title:
      'Изучить Положение «Об утверждении Положения о наставничестве для педагогических работников государственных и муниципальных образовательных организаций, осуществляющих образовательную деятельность по реализации основных и дополнительных общеобразовательных программ, и образовательных программ среднего профессионального образования в Иркутской области», довести до сведения педагогов',
    short: 'Изучить Положение',
  },
  {
    item: '3.3',
    title: 'Внедрить систему наставничества и организацию наставничества в образовательной организации в соответствии с локальными нормативными актами образовательной организации',
    short: 'Внедрить систему',
  },
  { item: '3.4', title: 'Назначить куратора реализации программ наставничества, отвечающего за сопровождение реализации программ наставничества', short: 'Назначить куратора' },
  {
    item: '3.5',
    title: 'Утвердить план («дорожную карту») по реализации Положения о системе наставничества педагогических работников в образовательной организации',
    short: 'Утвердить «дорожную карту»',
  },
  { item: '3.6', title: 'Издать локальные нормативные акты образовательной организации о закреплении наставничества', short: 'Издать локальные акты' },
  { item: '3.7', title: 'Организовать работу наставника и наставляемого по созданию и реализации персонализированных программ наставничества', short: 'Организовать работу по ППН' },
];

/**
 * Item 4: the report on item 3 to the municipal coordinator, due by 06.03.2023 (docs/spec/ORDER.md;
 * not among the data's items, so its deadline is here).
 */
export const REPORT_ITEM: OrderItem & { deadline: string } = {
  item: '4',
  title: 'Проинформировать муниципального координатора об исполнении пункта 3 данного распоряжения',
  short: 'Отчёт координатору',
  deadline: '2023-03-06',
};

export function orderItem(item: string): OrderItem {
  return ORDER_ITEMS.find((candidate) => candidate.item === item) ?? { item, title: `Пункт ${item}`, short: `Пункт ${item}` };
}
