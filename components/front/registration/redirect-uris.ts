import type { PlanTier } from "../../plan/schema.js";

/**
 * Redirect URI and host rules shared by client ID metadata documents (CIMD) and dynamic client
 * registration (RFC 7591), both pinned to the plan's tier.
 */

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

export function isLoopbackUrl(u: URL): boolean {
  return LOOPBACK_HOSTS.has(u.hostname);
}

/**
 * Whether `host` is on one of the tier's `allowedDomains`: an entry `example.com` matches that
 * host exactly; `*.example.com` matches any host below it (not `example.com` itself).
 * Comparison is case-insensitive; a trailing dot is ignored.
 */
export function hostAllowed(allowedDomains: readonly string[], host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return allowedDomains.some((entry) => {
    const d = entry.toLowerCase().replace(/\.$/, "");
    if (d.startsWith("*.")) return h.endsWith(d.slice(1)) && h.length > d.length - 1;
    return h === d;
  });
}

/** A loopback allow-list entry without a port accepts any port (RFC 8252 §7.3: ephemeral ports). */
function matchesAllowed(allowed: string, u: URL, raw: string): boolean {
  if (allowed === raw) return true;
  let a: URL;
  try {
    a = new URL(allowed);
  } catch {
    return false;
  }
  return isLoopbackUrl(a) && a.port === "" && isLoopbackUrl(u) && a.protocol === u.protocol && a.hostname === u.hostname && a.pathname === u.pathname && a.search === u.search;
}

/**
 * Why `uri` is refused as a redirect URI for `tier`, or undefined when allowed.
 *
 * Always: an absolute URL without fragment (RFC 6749 §3.1.2), `https:`, or `http:` on a loopback
 * host only (MCP authorization: "All redirect URIs MUST be either localhost or use HTTPS").
 * Then, when the tier lists `allowedRedirectUris`, the URI must be one of them exactly (a
 * loopback entry without a port accepts any port). Otherwise a CIMD tier accepts loopback URIs and
 * https URIs on its `allowedDomains`; a DCR tier accepts loopback URIs only.
 */
export function redirectUriProblem(tier: Pick<PlanTier, "name" | "registration" | "allowedRedirectUris" | "allowedDomains">, uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `redirect_uri '${uri}' is not an absolute URL`;
  }
  if (u.hash || uri.includes("#")) return `redirect_uri '${uri}' must not contain a fragment (RFC 6749 §3.1.2)`;
  if (u.username || u.password) return `redirect_uri '${uri}' must not contain user information`;
  if (u.protocol !== "http:" && u.protocol !== "https:") return `redirect_uri '${uri}' must use https (or http on a loopback address)`;
  if (u.protocol === "http:" && !isLoopbackUrl(u)) return `redirect_uri '${uri}' uses http on a non-loopback host; use https or a loopback address`;
  if (tier.allowedRedirectUris.length > 0) {
    if (tier.allowedRedirectUris.some((a) => matchesAllowed(a, u, uri))) return undefined;
    return `redirect_uri '${uri}' is not allowed for tier '${tier.name}'; allowed: ${tier.allowedRedirectUris.join(", ")} (loopback entries without a port accept any port)`;
  }
  if (isLoopbackUrl(u)) return undefined;
  if (tier.registration === "cimd" && hostAllowed(tier.allowedDomains, u.hostname)) return undefined;
  return tier.registration === "cimd"
    ? `redirect_uri '${uri}' is not on an allowed domain of tier '${tier.name}' (${tier.allowedDomains.join(", ") || "none"}) nor a loopback URI`
    : `redirect_uri '${uri}' is not a loopback URI; tier '${tier.name}' declares no allowedRedirectUris, so only loopback redirect URIs are accepted`;
}
