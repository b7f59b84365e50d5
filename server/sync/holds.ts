/**
 * The coordinator's answer to a held load (sync/guard.ts): accepting it records one pending
 * acceptance, which the next sync uses — that organization (or the registry) then loads even
 * though it shrinks, and the acceptance is consumed by the load. Who accepted goes to the
 * audit log (the caller writes it: the CLI and the API know who is asking).
 */
import type { Db } from '../db/db.ts';
import { REGISTRY_ACCEPT_KEY } from './guard.ts';

/** The word that names the registry in `--accept-shrink` (any case). */
export const REGISTRY_WORD = 'реестр';

export class AcceptError extends Error {}

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
  } else {
    const [org] = await db.query(`SELECT code FROM orgs WHERE code = $code OR lower(code) = lower($code) ORDER BY code = $code DESC LIMIT 1`, { code: typed });
    if (!org) {
      throw new AcceptError(`нет организации с кодом «${typed}» в реестре; для реестра организаций укажите «${REGISTRY_WORD}»`);
    }
    key = String(org.code);
  }
  await db.write((w) =>
    w.run(`INSERT OR REPLACE INTO shrink_acceptances VALUES ($key, now()::TIMESTAMP, $by)`, { key, by: by.slice(0, 200) }),
  );
  return { key, what: key === REGISTRY_ACCEPT_KEY ? REGISTRY_WORD : key };
}

/** The registry's hold message while the registry is held, else null. */
export async function registryHold(db: Db): Promise<string | null> {
  const [r] = await db.query(`SELECT value FROM meta WHERE key = 'registry_hold'`);
  return r ? String(r.value) : null;
}

/** Whether an acceptance is waiting for the next sync (REGISTRY_WORD for the registry). */
export async function acceptancePending(db: Db, code: string): Promise<boolean> {
  const key = code.toLowerCase() === REGISTRY_WORD ? REGISTRY_ACCEPT_KEY : code;
  return (await db.query(`SELECT 1 FROM shrink_acceptances WHERE org = $key`, { key })).length > 0;
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
