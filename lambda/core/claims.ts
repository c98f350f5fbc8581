import { TokenError, type TokenReason } from "./verify.js";

/**
 * Per-request claim checks. These run on every request, including verified-token cache hits:
 * the cache only skips signature work (RFC 9068 §4, OAuth 2.1 §5.2, MCP "Token Validation").
 */
export interface ClaimPolicy {
  /** Accepted `iss` values, compared as exact strings (RFC 8414 §3.3, RFC 9068 §4 step 3). */
  issuers: readonly string[];
  /** Accepted `aud` values; the token's `aud` must contain one (RFC 8707 §2, MCP RS-15). */
  audiences: readonly string[];
  /** Leeway for `exp`/`nbf`/`iat`, seconds. */
  clockToleranceSeconds: number;
}

/** Time claims needed after verification, in epoch seconds. */
export interface TokenTimes {
  exp: number;
  iat: number;
  nbf: number | undefined;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TokenError("claim_type_invalid");
  return v;
}

/**
 * Checks the time-independent claims once per token (`iss`, `aud`, types, presence of `exp`/`iat`).
 * @returns the token's times for the per-request checks.
 */
export function checkStaticClaims(claims: Record<string, unknown>, p: ClaimPolicy): TokenTimes {
  if (typeof claims.iss !== "string" || !p.issuers.includes(claims.iss)) throw new TokenError("iss_mismatch");
  const aud = claims.aud;
  // MCP "Canonical Server URI": implementations SHOULD accept uppercase scheme and host components;
  // the path stays exact. Configured audiences are canonical (lowercase scheme and host).
  const has = (a: unknown) => typeof a === "string" && (p.audiences.includes(a) || p.audiences.includes(a.replace(/^https?:\/\/[^/?#]*/i, (m) => m.toLowerCase())));
  const audOk = Array.isArray(aud) ? aud.some(has) : has(aud);
  if (!audOk) throw new TokenError("aud_mismatch");
  const exp = numericDate(claims, "exp");
  const iat = numericDate(claims, "iat");
  const nbf = numericDate(claims, "nbf");
  if (exp === undefined) throw new TokenError("exp_missing");
  if (iat === undefined) throw new TokenError("iat_missing");
  return { exp, iat, nbf };
}

/**
 * Checks the clock against a token's times (RFC 7519 §4.1.4/§4.1.5, leeway bounded by config)
 * and the token's age against the maximum for the highest sensitivity the request uses, so a
 * 60-minute token cannot be used for a 15-minute scope.
 * @param nowSec current time, epoch seconds.
 * @param maxAgeSeconds maximum `now − iat` for this request.
 */
export function checkTimes(t: TokenTimes, nowSec: number, tolerance: number, maxAgeSeconds: number): void {
  const r = timesProblem(t, nowSec, tolerance, maxAgeSeconds);
  if (r) throw new TokenError(r);
}

/** `checkTimes` as a value: the reason the times fail, or undefined when they pass. */
export function timesProblem(t: TokenTimes, nowSec: number, tolerance: number, maxAgeSeconds: number): TokenReason | undefined {
  const age = nowSec - t.iat;
  return t.exp <= nowSec - tolerance ? "expired" : t.nbf !== undefined && t.nbf > nowSec + tolerance ? "nbf_in_future" : age < -tolerance ? "iat_in_future" : age - tolerance > maxAgeSeconds ? "token_too_old" : undefined;
}
