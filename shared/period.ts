/**
 * A period that ends before it starts, in words — once for the server (its 400) and the client
 * (which says it without asking the server): pure, no Node and no DOM.
 */
export function reversedPeriodProblem(from: string, to: string): string | null {
  if (!(to < from)) return null;
  // `dd.mm.yyyy` of `yyyy-mm-dd`, as schools write dates.
  const ru = (iso: string) => iso.split('-').reverse().join('.');
  return `конец периода (${ru(to)}) раньше его начала (${ru(from)})`;
}
