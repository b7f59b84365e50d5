/**
 * A tiny helper for building DOM. Text always goes in as text nodes (`textContent`), never as
 * HTML: organization names and sheet values are typed by schools.
 */

type Child = Node | string | null | undefined | false;

export interface ElementProps {
  className?: string;
  id?: string;
  /** Attributes set as they are (`role`, `aria-*`, `href`, `title`, `data-*`…). */
  attrs?: Record<string, string | null | undefined>;
  hidden?: boolean;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.id) element.id = props.id;
  if (props.hidden) element.hidden = true;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value !== null && value !== undefined) element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** The ⚠ sign of an organization whose data is stale, with the reason as its tooltip and for screen readers. */
export function staleMark(note: string): HTMLElement {
  return h('span', { className: 'stale-mark', attrs: { title: note, role: 'img', 'aria-label': note } }, '⚠');
}
