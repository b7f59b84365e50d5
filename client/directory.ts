/**
 * The organizations of the registry and how fresh their data is. A stale organization (the
 * last attempt to read its sheet failed, so its numbers come from an older load) gets a ⚠
 * with the reason wherever its numbers appear: tables, chart axes and tooltips.
 */
import type { DataQualityRow, Org } from './api.ts';
import { formatDateTime } from './format.ts';

export interface OrgFreshness {
  stale: boolean;
  /** Why the last attempt failed, in Russian, as the sync wrote it. */
  reason: string | null;
  lastSuccess: string | null;
  lastAttempt: string | null;
  /** The last attempt's outcome: `held` = read but kept back for the coordinator to accept. */
  status?: DataQualityRow['last_status'];
}

export class OrgDirectory {
  private readonly byCode = new Map<string, Org>();
  private readonly freshness = new Map<string, OrgFreshness>();

  constructor(
    readonly orgs: readonly Org[],
    quality: readonly DataQualityRow[] = [],
  ) {
    for (const org of orgs) {
      this.byCode.set(org.code, org);
      this.freshness.set(org.code, {
        stale: org.stale === true,
        reason: null,
        lastSuccess: org.last_success ?? null,
        lastAttempt: null,
      });
    }
    this.update(quality);
  }

  /** Each organization's freshness as `data_quality` gives it now (after a sync this page saw end). */
  update(quality: readonly DataQualityRow[]): void {
    for (const row of quality) {
      if (row.org === null) continue;
      this.freshness.set(row.org, {
        stale: row.stale === true,
        reason: row.last_message,
        lastSuccess: row.last_success,
        lastAttempt: row.last_attempt,
        status: row.last_status,
      });
    }
  }

  org(code: string): Org | null {
    return this.byCode.get(code) ?? null;
  }

  name(code: string): string {
    return this.byCode.get(code)?.name ?? code;
  }

  freshnessOf(code: string): OrgFreshness | null {
    return this.freshness.get(code) ?? null;
  }

  isStale(code: string | null): boolean {
    return code !== null && this.freshness.get(code)?.stale === true;
  }

  /** Why the numbers of `code` may be out of date, or null when they are fresh. */
  staleNote(code: string | null): string | null {
    const reason = this.staleReason(code);
    return reason === null ? null : `Данные устарели: ${reason}`;
  }

  /** "загрузка 15.05.2025 02:00 не удалась: …. Показаны данные от 14.05.2025 20:00.", or null when fresh. */
  staleReason(code: string | null): string | null {
    if (code === null) return null;
    const state = this.freshness.get(code);
    if (!state?.stale) return null;
    const reason = state.reason ? `: ${state.reason.trim().replace(/[.;\s]+$/, '')}` : '';
    const attempt = state.lastAttempt ? ` ${formatDateTime(state.lastAttempt)}` : '';
    const since = state.lastSuccess
      ? ` Показаны данные от ${formatDateTime(state.lastSuccess)}.`
      : ' Данные организации ещё ни разу не загружались.';
    if (state.status === 'held') {
      const why = state.reason ? `: ${state.reason.trim().replace(/^загрузка задержана:\s*/, '').replace(/[.;\s]+$/, '')}` : '';
      return `загрузка${attempt} задержана до подтверждения${why}.${since}`;
    }
    // Read successfully last time, but too long ago (the sync's own reason says how long).
    if ((state.status === 'ok' || state.status === 'unchanged') && state.reason) return `${state.reason.trim().replace(/[.;\s]+$/, '')}.${since}`;
    return `загрузка${attempt} не удалась${reason}.${since}`;
  }

  /** How a chart axis names the organization: its code, with ⚠ when its data is stale. */
  label(code: string): string {
    return this.isStale(code) ? `⚠ ${code}` : code;
  }

  staleOrgs(): Org[] {
    return this.orgs.filter((org) => this.isStale(org.code));
  }
}
