/**
 * Pieces of the forms that give access — an account («Пользователи») and an API token
 * («Синхронизация»): a labelled field, the role with, for a school, its organization, and how
 * a role and an organization are named in their lists.
 */
import type { Org } from './api.ts';
import { h } from './dom.ts';
import type { Role } from './session.ts';

export const ROLE_LABELS: Record<Role, string> = {
  coordinator: 'Координатор',
  school: 'Организация',
  region: 'Регион (сводные данные)',
};

/** A control with its label above it. */
export function stackedField(label: string, control: HTMLElement): HTMLLabelElement {
  return h('label', { className: 'field field--stacked' }, h('span', { className: 'field__label' }, label), control);
}

/** An organization's name for a list (its code when the registry does not have it), «—» for none. */
export function orgName(orgs: readonly Org[], code: string | null): string {
  if (!code) return '—';
  // An account of a code the registry no longer lists (renamed there) sees nothing: said, for the
  // coordinator to move it to the new code (an outside review: nothing flagged it).
  return orgs.find((o) => o.code === code)?.name ?? `${code} — такой организации нет в реестре (или она неактивна и без данных): учётная запись не увидит данных; укажите ей действующий код`;
}

/**
 * «Роль» and «Организация» (shown for a school only): the fields to put into a form, and the
 * chosen role and organization (null unless the role is a school's).
 */
export function roleFields(orgs: readonly Org[], initial: Role): { fields: HTMLElement[]; role: () => string; org: () => string | null } {
  const role = h('select', { attrs: { name: 'role' } }, ...Object.entries(ROLE_LABELS).map(([value, label]) => h('option', { attrs: { value } }, label)));
  role.value = initial;
  const org = h('select', { attrs: { name: 'org' } }, ...orgs.map((o) => h('option', { attrs: { value: o.code } }, `${o.code} — ${o.name}`)));
  const orgField = stackedField('Организация', org);
  const sync = () => {
    orgField.hidden = role.value !== 'school';
  };
  role.addEventListener('change', sync);
  sync();
  return { fields: [stackedField('Роль', role), orgField], role: () => role.value, org: () => (role.value === 'school' ? org.value : null) };
}
