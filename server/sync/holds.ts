/**
 * The coordinator's answer to a held load (sync/guard.ts): accepting it records one pending
 * acceptance, which the next sync uses — that organization (or the registry) then loads even
 * though it shrinks, and the acceptance is consumed by the load. Who accepted goes to the
 * audit log (the caller writes it: the CLI and the API know who is asking).
 */
import type { Db } from '../db/db.ts';
import { REGISTRY_ACCEPT_KEY } from './guard.ts';
import { acceptanceRecorded, orgHeld, recordAcceptance, registryCode, registryHold } from './state.ts';

/** The word that names the registry in `--accept-shrink` (any case). */
export const REGISTRY_WORD = 'реестр';

export class AcceptError extends Error {}
/** The load named is not held: there is nothing to accept (an acceptance kept for later would let a future mistake through unasked). */
export class NotHeldError extends AcceptError {}

/**
 * Records the acceptance of `code` (an organization of the registry, or REGISTRY_WORD for the
 * registry itself) by `by`. Returns what was accepted, for messages: the organization code or
 * REGISTRY_WORD. An unknown code is an AcceptError in Russian.
 */
export async function acceptShrink(db: Db, code: string, by: string): Promise<{ key: string; what: string }> {
  const typed = code.trim();
  let key: string;
  if (typed.toLowerCase() === REGISTRY_WORD) {
    key = REGISTRY_ACCEPT_KEY;
    if ((await registryHold(db)) === null) {
      throw new NotHeldError('реестр не задержан — подтверждать нечего: подтверждение даётся задержанной загрузке («задержан до подтверждения») и действует на одну загрузку');
    }
  } else {
    const org = await registryCode(db, typed);
    if (org === null) {
      throw new AcceptError(`нет организации с кодом «${typed}» в реестре; для реестра организаций укажите «${REGISTRY_WORD}»`);
    }
    key = org;
    // Only a held load: an acceptance given in advance stayed pending through unchanged syncs and
    // let a later, unrelated emptying of the sheet load silently (found by an acceptance run).
    if (!(await orgHeld(db, org))) {
      throw new NotHeldError(`загрузка ${org} не задержана — подтверждать нечего: подтверждение даётся задержанной загрузке («задержана до подтверждения») и действует на одну загрузку`);
    }
  }
  await recordAcceptance(db, key, by);
  return { key, what: key === REGISTRY_ACCEPT_KEY ? REGISTRY_WORD : key };
}

/** Whether an acceptance is waiting for the next sync (REGISTRY_WORD for the registry). */
export function acceptancePending(db: Db, code: string): Promise<boolean> {
  return acceptanceRecorded(db, code.toLowerCase() === REGISTRY_WORD ? REGISTRY_ACCEPT_KEY : code);
}

/** The codes of `--accept-shrink КОД` / `--accept-shrink=КОД,КОД`, in order; null when a flag has no code. */
export function acceptArgs(argv: readonly string[]): string[] | null {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let value: string | undefined;
    if (a === '--accept-shrink') value = argv[++i];
    else if (a.startsWith('--accept-shrink=')) value = a.slice('--accept-shrink='.length);
    else continue;
    const codes = (value ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    if (value === undefined || value.startsWith('--') || codes.length === 0) return null;
    out.push(...codes);
  }
  return out;
}
