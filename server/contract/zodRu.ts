/**
 * Zod's own messages in Russian: what a schema does not word itself (a list too long, text
 * where an object was sent, a field nobody asked for) reaches people — an API error, a key file
 * or an environment setting. Imported for its effect by every module whose schemas face input.
 */
import { z } from 'zod';

const KIND: Record<string, string> = {
  string: 'текст',
  number: 'число',
  int: 'целое число',
  boolean: 'логическое значение (true/false)',
  array: 'список',
  object: 'объект',
  date: 'дата',
  null: 'null',
  undefined: 'пусто',
};

function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'список';
  return KIND[typeof input] ?? typeof input;
}

z.config({
  ...z.locales.ru(),
  customError: (iss) => {
    switch (iss.code) {
      case 'invalid_type':
        return iss.input === undefined ? `нужно значение (${KIND[iss.expected] ?? iss.expected})` : `ожидается ${KIND[iss.expected] ?? iss.expected}, получено: ${kindOf(iss.input)}`;
      case 'too_big':
        if (iss.origin === 'array' || iss.origin === 'set') return `не больше ${String(iss.maximum)} значений`;
        if (iss.origin === 'string') return `не длиннее ${String(iss.maximum)} символов`;
        return `не больше ${String(iss.maximum)}`;
      case 'too_small':
        if (iss.origin === 'array' || iss.origin === 'set') return `не меньше ${String(iss.minimum)} значений`;
        if (iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'не может быть пустым' : `не короче ${String(iss.minimum)} символов`;
        return `не меньше ${String(iss.minimum)}`;
      case 'unrecognized_keys':
        return `лишние поля: ${iss.keys.map((k) => `«${k}»`).join(', ')}`;
      default:
        return undefined;
    }
  },
});

export {};
