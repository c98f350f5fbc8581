import type { McpAuthDeclaration } from "./declarations.js";
import { SENSITIVITY_BOUNDS, SENSITIVITY_LEVELS, type Sensitivity } from "./sensitivity.js";
import { formatPath, type DeclarationIssue } from "./validate.js";

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
  const checkTokens = (tokens: Tokens, at: PropertyKey[]) => {
    for (const level of SENSITIVITY_LEVELS) {
      const value = tokens?.accessTokenMinutes?.[level];
      const { max, by } = minutesBound(level);
      if (value !== undefined && value > max) {
        issues.push({
          path: formatPath([...at, "accessTokenMinutes", level]),
          message: `${value} minutes is above the ${max}-minute bound for ${level} access tokens${by}; set at most ${max}`,
        });
      }
    }
    const days = tokens?.refreshToken?.lifetimeDays;
    if (days !== undefined && days > refreshBound.max) {
      issues.push({
        path: formatPath([...at, "refreshToken", "lifetimeDays"]),
        message: `${days} days is above the ${refreshBound.max}-day refresh-token bound${refreshBound.by}; set at most ${refreshBound.max}`,
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

  checkTokens(decl.tokens, ["tokens"]);
  checkCadence(decl.consent?.reconsentDays, ["consent"]);
  decl.servers.forEach((s, i) => {
    checkTokens(s.tokens, ["servers", i, "tokens"]);
    checkCadence(s.consent?.reconsentDays, ["servers", i, "consent"]);
  });
  for (const [name, t] of Object.entries(decl.tiers)) checkTokens(t.tokens, ["tiers", name, "tokens"]);
  return issues;
}
