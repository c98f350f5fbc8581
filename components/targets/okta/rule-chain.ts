import { SENSITIVITY_LEVELS, type Sensitivity } from "../../model/sensitivity.js";
import type { MinutesPerSensitivity } from "../../plan/schema.js";

/**
 * The chain of Okta access-policy rules that gives every token the lifetime of the most sensitive
 * scope it carries.
 *
 * How Okta evaluates rules (Okta help, "Create access policies"; Okta support, "Tokens not issued
 * with lifetime configured in access rule"): rules are tried in priority order (1 first) and the
 * first match wins. A rule whose scope condition lists scopes matches only when **every** requested
 * scope is in its list; a request with one scope outside the list skips the rule. No match at all
 * fails the request (`no_matching_policy`).
 *
 * So one rule per level is not enough: a request mixing a high scope with routine ones would skip a
 * "high only" rule and land on a broader rule with the routine lifetime. The chain below is:
 *
 * 1. one rule per level present, **highest level first**, listing only that level's scopes;
 * 2. then cumulative rules, **lowest level first**: routine; routine+high; routine+high+critical,
 *    each with the shortest lifetime among the levels it lists.
 *
 * A request is therefore caught by the first rule whose list holds all of its scopes, and every
 * such rule carries the lifetime of the request's highest level. The chain also gives the same
 * result if Okta matched a rule on *any* overlapping scope instead (phase 1 then catches every
 * request by its highest level), so the outcome does not rest on that one evaluation detail; the
 * edge's maximum-token-age check (`iat`) is the backstop either way.
 */
export interface ChainLink {
  /** 1: a single-level rule (highest level first); 2: a cumulative rule (lowest first). */
  readonly phase: 1 | 2;
  /** Levels whose scopes this rule lists, lowest first. */
  readonly levels: readonly Sensitivity[];
  /** Scopes the rule lists (before `offline_access` is added), sorted. */
  readonly scopes: readonly string[];
  /** Access-token lifetime in minutes: the shortest among `levels`. */
  readonly accessTokenMinutes: number;
}

/**
 * Builds the chain for one set of scopes.
 * @param scopes scopes a tier (and group) may hold on one server
 * @param levelOf sensitivity of each scope
 * @param minutes access-token minutes per level (already min(server, tier))
 * @returns links in priority order; empty when `scopes` is empty
 */
export function ruleChain(scopes: readonly string[], levelOf: (scope: string) => Sensitivity, minutes: MinutesPerSensitivity): ChainLink[] {
  const byLevel = new Map<Sensitivity, string[]>();
  for (const s of [...new Set(scopes)].sort()) {
    const level = levelOf(s);
    const list = byLevel.get(level);
    if (list) list.push(s);
    else byLevel.set(level, [s]);
  }
  const present = SENSITIVITY_LEVELS.filter((l) => byLevel.has(l));
  if (present.length === 0) return [];
  const links: ChainLink[] = [];
  // Phase 1: single-level rules, highest first. The lowest level's single rule equals the first
  // cumulative rule, so it is left to phase 2.
  for (const level of [...present].reverse().slice(0, -1)) {
    links.push({ phase: 1, levels: [level], scopes: byLevel.get(level)!, accessTokenMinutes: minutes[level] });
  }
  // Phase 2: cumulative rules, lowest first.
  for (let i = 0; i < present.length; i++) {
    const levels = present.slice(0, i + 1);
    links.push({
      phase: 2,
      levels,
      scopes: levels.flatMap((l) => byLevel.get(l)!).sort(),
      accessTokenMinutes: Math.min(...levels.map((l) => minutes[l])),
    });
  }
  return links;
}

/**
 * Orders the links of several chains (one per group) into one policy: every phase-1 link, highest
 * level first, then every phase-2 link by its highest level, lowest first; chains keep their
 * relative order otherwise (stable sort). Across groups this keeps both guarantees above: a request
 * is first matched by a rule whose highest level is its own, and any later match can only carry a
 * shorter lifetime.
 */
export function orderLinks<T extends ChainLink>(links: readonly T[]): T[] {
  const top = (l: ChainLink) => sensitivityIndex(l.levels[l.levels.length - 1]!);
  const key = (l: ChainLink) => (l.phase === 1 ? -1 - top(l) : top(l));
  return [...links].sort((a, b) => key(a) - key(b));
}

const sensitivityIndex = (s: Sensitivity): number => SENSITIVITY_LEVELS.indexOf(s);

/**
 * The link Okta would apply to a request, under the documented semantics (first rule, in order,
 * whose list holds every requested scope). Used by tests and by `docs/okta.md` examples.
 * @returns the index of the matching link, or -1 when none matches (Okta: `no_matching_policy`)
 */
export function matchingLink(chain: readonly ChainLink[], requested: readonly string[]): number {
  return chain.findIndex((link) => requested.every((s) => link.scopes.includes(s)));
}
