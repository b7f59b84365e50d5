/** The operations page's line on the reminders to schools (client/subscriptions.ts), in Russian. */
import { describe, expect, it } from 'vitest';
import { remindersText, splitAddresses } from '../../client/subscriptions.ts';

describe('remindersText', () => {
  it('says what is sent, to how many organizations, before which reporting dates', () => {
    expect(remindersText({ enabled: true, reason: null, orgs: 21, optouts: 2, reportDates: ['12-20', '05-25'], unchangedDays: 14 })).toBe(
      'Напоминания школам — после синхронизации, не чаще раза в день, на адреса из столбца «E-mail ответственного» реестра (указан у 21 организации): ' +
        'о новых ошибках в таблице и за 14 дней до отчётной даты (20.12, 25.05), если таблица столько не менялась; отписались: 2 адреса.',
    );
    expect(remindersText({ enabled: true, reason: null, orgs: 5, optouts: 0, reportDates: [], unchangedDays: 14 })).toBe(
      'Напоминания школам — после синхронизации, не чаще раза в день, на адреса из столбца «E-mail ответственного» реестра (указан у 5 организаций): ' +
        'о новых ошибках в таблице; напоминаний перед отчётной датой нет (REMINDER_REPORT_DATES не задан).',
    );
  });

  it('says why they are off', () => {
    expect(remindersText({ enabled: false, reason: 'Напоминания школам выключены настройкой REMINDERS=off.', orgs: 1, optouts: 0, reportDates: [], unchangedDays: 14 })).toBe(
      'Напоминания школам выключены настройкой REMINDERS=off. Адрес для напоминаний указан у 1 организации (столбец «E-mail ответственного» реестра).',
    );
  });

  it('splits addresses typed by hand', () => {
    expect(splitAddresses(' a@x.ru;b@x.ru\n a@x.ru ,')).toEqual(['a@x.ru', 'b@x.ru']);
  });
});
