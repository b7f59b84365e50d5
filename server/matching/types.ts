/** Matching mentors (server/matching/): options, results and limits. */


export const DEFAULT_LOAD_LIMIT = 3;
export const DEFAULT_TOP = 5;
export const MAX_LOAD_LIMIT = 50;
export const MAX_TOP = 50;

export interface MatchingOptions {
  /** The day, `YYYY-MM-DD`. */
  on: string;
  /** Organizations whose mentees are listed; empty = all. */
  orgs: readonly string[];
  /** Maximum mentees per mentor; at or over it a mentor is not offered (default 3). */
  limit?: number;
  /** Suggestions per mentee (default 5). */
  top?: number;
  /**
   * `own_org`: a candidate of another organization than the requested ones is shown without
   * name, position, training and score (a school account). Default: `own_org` when `orgs` is
   * non-empty, else `all`.
   */
  details?: 'all' | 'own_org';
}

/** The ranking components (see the module comment), higher is better except `load`. */
export interface MatchScore {
  /** 2 same subject, 1 same position, 0 neither. */
  subject: 0 | 1 | 2;
  same_org: boolean;
  /** Wanted directions among the mentor's. */
  directions: number;
  category_rank: number;
  trained: boolean;
  load: number;
}

export interface MentorSuggestion {
  /** 1-based place in the list. */
  place: number;
  /** Null for another organization's candidate in a school's answer (no name, module comment). */
  fio: string | null;
  org: string;
  org_name: string;
  same_org: boolean;
  category: string;
  subject: string | null;
  /** The mentor's directions (past and current pairs), in the contract's order. */
  directions: string[];
  load: number;
  limit: number;
  /** Omitted for another organization's candidate in a school's answer. */
  position?: string | null;
  trained?: boolean;
  score?: MatchScore;
  /** Why it ranked there, one line per component, in ranking order (Russian). */
  reasons: string[];
}

export interface MenteeSuggestions {
  org: string;
  org_name: string;
  org_type: string;
  fio: string;
  position: string | null;
  subject: string | null;
  category: string;
  /** The directions looked for, in the contract's order. */
  wanted_directions: string[];
  /** Where they come from: the mentee's ended pairs, or all directions (none known). */
  wanted_from: 'past_pairs' | 'all_directions';
  /** Eligible candidates in all (the list shows the first `top`). */
  candidates: number;
  suggestions: MentorSuggestion[];
}

export interface MentorLoad {
  org: string;
  org_name: string;
  fio: string;
  position: string | null;
  subject: string | null;
  category: string;
  load: number;
  limit: number;
  /** More mentees than the limit (at the limit: false). */
  over: boolean;
}
