/**
 * The directory of teachers per organization used to resolve person references
 * (docs/spec/CONTRACT.md section 3): by normalized ФИО, or by Код when the school uses codes.
 */
import { closest, editDistance, normalizePersonName, sureMatch } from '../contract/index.ts';
import { isEmail } from '../contract/values.ts';

export interface Person {
  key: string;
  fio: string;
  code: string | null;
}

export function personKey(fio: string, code: string | null): string {
  return code ? `code:${normalizePersonName(code)}` : `fio:${normalizePersonName(fio)}`;
}

export class OrgPeople {
  private readonly byName = new Map<string, Person[]>();
  private readonly byCode = new Map<string, Person>();
  /** Names whose `Педагоги` row was rejected in this run: row number for the message. */
  private readonly rejected = new Map<string, { row: number; fio: string }>();
  /**
   * The teachers as last loaded, not this run's (the organization's teachers tab was not loaded in
   * this run): a name not found may be of a teacher added since, and the message says so — it
   * said «проверьте ФИО» of a name written right (an outside review).
   */
  lastLoad = false;

  constructor(readonly org: string, people: Iterable<Person> = []) {
    for (const p of people) this.add(p);
  }

  add(p: Person): void {
    const n = normalizePersonName(p.fio);
    const list = this.byName.get(n) ?? [];
    list.push(p);
    this.byName.set(n, list);
    if (p.code) this.byCode.set(normalizePersonName(p.code), p);
  }

  addRejected(fio: string, row: number): void {
    const n = normalizePersonName(fio);
    if (!this.byName.has(n) && !this.rejected.has(n)) this.rejected.set(n, { row, fio });
  }

  /**
   * What resolving a reference against these teachers depends on, as one text: two directories
   * with equal signatures resolve every reference alike. The rows rejected in this run are left
   * out: a stored directory has none, and they change only what a refusal says.
   */
  signature(): string {
    const lines: string[] = [];
    for (const [name, list] of this.byName) for (const p of list) lines.push(`${name}\t${p.fio}\t${p.key}\t${p.code ?? ''}`);
    return lines.sort().join('\n');
  }

  /** The teacher with this Код (as typed, normalized), if any. */
  byTeacherCode(code: string): Person | undefined {
    return this.byCode.get(normalizePersonName(code));
  }

  /** True when some teacher of the organization has a Код. */
  get hasCodes(): boolean {
    return this.byCode.size > 0;
  }

  get size(): number {
    return this.byName.size;
  }

  /** Resolves a name (or a code) to one person, or explains in Russian why not. */
  /**
   * `hints`: name the closest teachers when none matches — only to this organization's own
   * sheet: a school reads its findings, and must not learn another organization's staff from them.
   * Another organization's sheet gets one name at most, and only one it surely meant (`sureMatch`:
   * its words in another order, its initials, a letter or two off) — a person it nearly wrote.
   */
  find(name: string, hints = true): { ok: true; person: Person } | { ok: false; problem: string } {
    const found = this.match(name, hints);
    if (found.ok || !this.lastLoad || !found.problem.startsWith('нет такого педагога')) return found;
    return {
      ok: false,
      problem: `${found.problem} (сверено с прошлой загрузкой: лист «Педагоги» организации ${this.org} в этой синхронизации не загружен; если педагог добавлен туда недавно, строка загрузится, когда этот лист загрузится)`,
    };
  }

  private match(name: string, hints: boolean): { ok: true; person: Person } | { ok: false; problem: string } {
    const n = normalizePersonName(name);
    const byCode = this.byCode.get(n);
    if (byCode) return { ok: true, person: byCode };
    const list = this.byName.get(n) ?? [];
    if (list.length === 1) return { ok: true, person: list[0]! };
    if (list.length > 1) {
      // Another organization's staff (no hints): neither their codes nor an example of them.
      if (!hints) {
        return {
          ok: false,
          problem: `на листе «Педагоги» организации ${this.org} несколько педагогов с таким ФИО; узнайте в организации ${this.org} код нужного педагога (столбец «Код» её листа «Педагоги») и укажите вместо ФИО этот код с кодом организации: «код (${this.org})»`,
        };
      }
      const codes = list.map((p) => p.code ?? '—').join(', ');
      const first = list.find((p) => p.code !== null);
      const how = list.every((p) => p.code !== null)
        ? `укажите код педагога в скобках, например «${first!.fio} (${first!.code})»`
        : 'заполните столбец «Код» на листе «Педагоги» для однофамильцев и укажите код педагога в скобках после ФИО';
      return {
        ok: false,
        problem: `на листе «Педагоги» организации ${this.org} несколько педагогов с таким ФИО (коды: ${codes}); ${how}`,
      };
    }
    // A person chip («@» and a colleague picked from the list) reads as the colleague's e-mail
    // when the chip shows it: no ФИО to match or to suggest from (it said «нет такого педагога» only).
    if (isEmail(name.trim())) {
      return {
        ok: false,
        problem: `в ячейке адрес почты, а не ФИО (так выглядит чип пользователя Google); впишите ФИО педагога текстом, как на листе «Педагоги» организации ${this.org}`,
      };
    }
    const rejectedRow = this.rejected.get(n)?.row;
    if (rejectedRow !== undefined) {
      return {
        ok: false,
        problem: hints
          ? `педагог указан на листе «Педагоги» организации ${this.org} в строке ${rejectedRow}, но та строка не загружена из-за ошибки; исправьте её`
          : // Another organization's sheet: not its row numbers; that organization corrects its own row.
            `педагог указан на листе «Педагоги» организации ${this.org}, но его строка там не загружена из-за ошибки; организация ${this.org} должна её исправить`,
      };
    }
    if (!hints) {
      const sure = sureMatch(name, this.names());
      const hint = sure ? `возможно, имелся в виду «${sure} (${this.org})»` : `проверьте ФИО — полностью, как в таблице организации ${this.org}`;
      return { ok: false, problem: `нет такого педагога на листе «Педагоги» организации ${this.org}; ${hint}` };
    }
    const near = closest(name, this.names());
    // None loaded is near: one whose row was rejected may be the one meant («Кравцова А.С.» for a
    // Кравцова whose row has an error: it said nothing until that row was fixed — an outside review).
    // By the same rule as the loaded ones (surname and name without the patronymic too: «Кузнецова
    // Мария» for a rejected «Кузнецова Мария Олеговна» listed three other teachers — an outside review).
    const rejected = near.length ? [] : [...this.rejected.values()].map((r) => r.fio);
    const heldNear = closest(name, rejected);
    const held = near.length ? null : heldNear.length === 1 ? heldNear[0]! : sureMatch(name, rejected);
    if (held !== null) {
      const row = this.rejected.get(normalizePersonName(held))!.row;
      return {
        ok: false,
        problem: `нет такого педагога на листе «Педагоги» организации ${this.org}; возможно, имелся в виду «${held}» (строка ${row} листа «Педагоги») — та строка не загружена из-за ошибки; исправьте её и напишите ФИО полностью`,
      };
    }
    if (near.length) return { ok: false, problem: `нет такого педагога на листе «Педагоги» организации ${this.org}; возможно, имелся в виду: ${near.map((x) => `«${x}»`).join(', ')}` };
    // No name near enough to be meant: the nearest in spelling all the same, as the contract has
    // an unmatched reference name the closest existing names (it said «нет такого педагога» only:
    // an outside review) — the school's own staff, to look through, not a guess.
    const nearest = nearestNames(name, this.names(), 3);
    const listed = nearest.length ? `; ближайшие по написанию ФИО там: ${nearest.map((x) => `«${x}»`).join(', ')} — проверьте, кого имели в виду, и напишите ФИО так же, как там` : '';
    return { ok: false, problem: `нет такого педагога на листе «Педагоги» организации ${this.org}${listed}` };
  }

  private *names(): Iterable<string> {
    for (const list of this.byName.values()) for (const p of list) yield p.fio;
  }
}

/** The `limit` names of `candidates` fewest letters away from `name`, nearest first. */
function nearestNames(name: string, candidates: Iterable<string>, limit: number): string[] {
  const n = normalizePersonName(name);
  const scored = [...new Set(candidates)].map((c) => ({ c, d: editDistance(n, normalizePersonName(c)) }));
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c, 'ru'));
  return scored.slice(0, limit).map((s) => s.c);
}
