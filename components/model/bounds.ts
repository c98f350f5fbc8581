import type { McpAuthDeclaration } from "./declarations.js";
import { SENSITIVITY_BOUNDS, SENSITIVITY_DEFAULTS, SENSITIVITY_LEVELS, type Sensitivity } from "./sensitivity.js";
import { formatPath, type DeclarationIssue } from "./validate.js";

/** Refresh-token lifetime when none is declared, in days. */
export const DEFAULT_REFRESH_TOKEN_DAYS = 30;

/** Longest refresh-token lifetime any declaration may set, in days (RFC 9700 §4.14: bound refresh tokens). */
export const MAX_REFRESH_TOKEN_DAYS = 90;

/**
 * Lifetime and cadence bounds, refused at compile time so that the compiled plan never carries a
 * value above them: every target (Okta, Auth0, Entra) and the edge's maximum token age read the plan,
 * so a value the plan carries is a value that gets deployed. The bound for a level is the built-in
 * one (`SENSITIVITY_BOUNDS`), tightened by the declaration's own `guardrails` section where it sets
 * one. Each declared value is reported once, where it is written: a global value that servers and
 * tiers inherit is one problem, at `tokens.…`.
 */
export function boundIssues(decl: McpAuthDeclaration): DeclarationIssue[] {
  const issues: DeclarationIssue[] = [];
  const g = decl.guardrails;
  const minutesBound = (level: Sensitivity): { max: number; by: string } => {
    const builtIn = SENSITIVITY_BOUNDS[level].accessTokenMinutes;
    const org = g?.maxAccessTokenMinutes?.[level];
    return org !== undefined && org < builtIn ? { max: org, by: ` set by guardrails.maxAccessTokenMinutes.${level}` } : { max: builtIn, by: "" };
  };
  const refreshBound =
    g?.maxRefreshTokenDays !== undefined && g.maxRefreshTokenDays < MAX_REFRESH_TOKEN_DAYS
      ? { max: g.maxRefreshTokenDays, by: " set by guardrails.maxRefreshTokenDays" }
      : { max: MAX_REFRESH_TOKEN_DAYS, by: "" };

  type Tokens = { accessTokenMinutes?: Partial<Record<Sensitivity, number | undefined>> | undefined; refreshToken?: { lifetimeDays?: number | undefined } | undefined } | undefined;
  // The global policy is checked with its defaults filled in: a guardrail tighter than a default
  // (say, high access tokens at most 10 minutes, default 15) needs the global value lowered too.
  const checkTokens = (tokens: Tokens, at: PropertyKey[], global: boolean) => {
    for (const level of SENSITIVITY_LEVELS) {
      const declared = tokens?.accessTokenMinutes?.[level];
      const value = declared ?? (global ? SENSITIVITY_DEFAULTS[level].accessTokenMinutes : undefined);
      const { max, by } = minutesBound(level);
      if (value !== undefined && value > max) {
        issues.push({
          path: formatPath([...at, "accessTokenMinutes", level]),
          message: `${declared === undefined ? `the default ${value}` : value} minutes is above the ${max}-minute bound for ${level} access tokens${by}; set at most ${max}`,
        });
      }
    }
    const declaredDays = tokens?.refreshToken?.lifetimeDays;
    const days = declaredDays ?? (global ? DEFAULT_REFRESH_TOKEN_DAYS : undefined);
    if (days !== undefined && days > refreshBound.max) {
      issues.push({
        path: formatPath([...at, "refreshToken", "lifetimeDays"]),
        message: `${declaredDays === undefined ? `the default ${days}` : days} days is above the ${refreshBound.max}-day refresh-token bound${refreshBound.by}; set at most ${refreshBound.max}`,
      });
    }
  };
  const checkCadence = (reconsent: { high?: number | undefined; critical?: number | undefined } | undefined, at: PropertyKey[]) => {
    for (const level of ["high", "critical"] as const) {
      const value = reconsent?.[level];
      const max = SENSITIVITY_BOUNDS[level].reconsentDays ?? 90;
      if (value !== undefined && value > max) {
        issues.push({
          path: formatPath([...at, "reconsentDays", level]),
          message: `${value} days is above the ${max}-day bound for renewing consent to ${level} scopes; set at most ${max}`,
        });
      }
    }
  };

  checkTokens(decl.tokens, ["tokens"], true);
  checkCadence(decl.consent?.reconsentDays, ["consent"]);
  decl.servers.forEach((s, i) => {
    checkTokens(s.tokens, ["servers", i, "tokens"], false);
    checkCadence(s.consent?.reconsentDays, ["servers", i, "consent"]);
  });
  for (const [name, t] of Object.entries(decl.tiers)) checkTokens(t.tokens, ["tiers", name, "tokens"], false);
  return issues;
}

/**
 * The parts of a declaration `boundIssues` reads, taken from input whose structure did not validate:
 * only numbers are kept, and a container of the wrong type counts as absent. With it the bounds are
 * checked, and reported with the structural problems, even when something else in the declaration
 * is wrong (a value above its bound stays a problem whatever the typo next to it).
 */
export function boundsView(input: unknown): McpAuthDeclaration {
  const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const levels = (v: unknown, names: readonly string[]) => {
    const o = obj(v);
    return o ? Object.fromEntries(names.map((n) => [n, num(o[n])])) : undefined;
  };
  const tokens = (v: unknown) => {
    const o = obj(v);
    return o ? { accessTokenMinutes: levels(o.accessTokenMinutes, SENSITIVITY_LEVELS), refreshToken: { lifetimeDays: num(obj(o.refreshToken)?.lifetimeDays) } } : undefined;
  };
  const consent = (v: unknown) => ({ reconsentDays: levels(obj(v)?.reconsentDays, ["high", "critical"]) });
  const d = obj(input) ?? {};
  const g = obj(d.guardrails);
  const servers = Array.isArray(d.servers) ? d.servers : [];
  const view = {
    guardrails: g ? { maxAccessTokenMinutes: levels(g.maxAccessTokenMinutes, SENSITIVITY_LEVELS), maxRefreshTokenDays: num(g.maxRefreshTokenDays) } : undefined,
    tokens: tokens(d.tokens),
    consent: consent(d.consent),
    servers: servers.map((s) => ({ tokens: tokens(obj(s)?.tokens), consent: consent(obj(s)?.consent) })),
    tiers: Object.fromEntries(Object.entries(obj(d.tiers) ?? {}).map(([name, t]) => [name, { tokens: tokens(obj(t)?.tokens) }])),
  };
  return view as unknown as McpAuthDeclaration;
}
