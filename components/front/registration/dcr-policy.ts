import type { PlanTier } from "../../plan/schema.js";

/**
 * Registration policy for the DCR tier (RFC 7591) on the local authorization server: which
 * redirect URIs a dynamically registered client may use, and how often clients may register.
 */

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

function isLoopback(u: URL): boolean {
  return LOOPBACK_HOSTS.has(u.hostname);
}

/**
 * Why a redirect URI is refused for a tier, or undefined when it is allowed.
 *
 * Rules: absolute URL without fragment (RFC 6749 §3.1.2); `http:` only on loopback, `https:`
 * otherwise (MCP authorization, "All redirect URIs MUST be either localhost or use HTTPS");
 * it must match one of the tier's `allowedRedirectUris` exactly, except that for a loopback
 * allowlist entry without a port any port is accepted (RFC 8252 §7.3: native apps pick an
 * ephemeral port). A tier without an allowlist accepts loopback redirect URIs only.
 */
export function redirectUriProblem(tier: Pick<PlanTier, "name" | "allowedRedirectUris">, uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `redirect_uri '${uri}' is not an absolute URL`;
  }
  if (u.hash || uri.includes("#")) return `redirect_uri '${uri}' must not contain a fragment (RFC 6749 §3.1.2)`;
  if (u.protocol === "http:" && !isLoopback(u)) return `redirect_uri '${uri}' uses http on a non-loopback host; use https or a loopback address`;
  if (u.protocol !== "http:" && u.protocol !== "https:") return `redirect_uri '${uri}' must use http (loopback) or https`;
  if (tier.allowedRedirectUris.length === 0) {
    return isLoopback(u) ? undefined : `redirect_uri '${uri}' is not a loopback URI; tier '${tier.name}' declares no allowedRedirectUris, so only loopback redirect URIs are accepted`;
  }
  for (const allowed of tier.allowedRedirectUris) {
    if (allowed === uri) return undefined;
    let a: URL;
    try {
      a = new URL(allowed);
    } catch {
      continue;
    }
    if (isLoopback(a) && a.port === "" && isLoopback(u) && a.protocol === u.protocol && a.hostname === u.hostname && a.pathname === u.pathname && a.search === u.search) {
      return undefined;
    }
  }
  return `redirect_uri '${uri}' is not allowed for tier '${tier.name}'; allowed: ${tier.allowedRedirectUris.join(", ")} (loopback entries accept any port)`;
}

/** A sliding one-minute window limiter for client registration. */
export interface RegistrationRateLimiter {
  /** Records an attempt; returns the seconds to wait when over the limit, or 0 when allowed. */
  take(key: string): number;
}

/**
 * @param perMinute attempts allowed per key in any 60-second window (0 refuses every attempt)
 * @param now clock in milliseconds (tests pass a frozen clock)
 */
export function createRegistrationRateLimiter(perMinute: number, now: () => number = Date.now): RegistrationRateLimiter {
  const hits = new Map<string, number[]>();
  return {
    take(key) {
      const t = now();
      const recent = (hits.get(key) ?? []).filter((h) => t - h < 60_000);
      if (recent.length >= perMinute) {
        hits.set(key, recent);
        const oldest = recent[0] ?? t;
        return Math.max(1, Math.ceil((oldest + 60_000 - t) / 1000));
      }
      recent.push(t);
      hits.set(key, recent);
      return 0;
    },
  };
}
