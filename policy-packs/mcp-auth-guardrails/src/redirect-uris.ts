/**
 * Why a redirect URI is not exact and safe, or undefined. MCP 2025-11-25 Authorization: "All
 * redirect URIs MUST be either localhost or use HTTPS"; authorization servers "MUST validate exact
 * redirect URIs against pre-registered values" (so no wildcards).
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.includes("*")) return "contains a wildcard; register each exact URI";
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return "is not an absolute URL";
  }
  if (u.hash) return "has a fragment, which OAuth forbids in redirect URIs";
  if (u.protocol === "https:") return undefined;
  const loopback = u.hostname === "localhost" || u.hostname === "127.0.0.1" || u.hostname === "[::1]";
  if (u.protocol === "http:" && loopback) return undefined;
  if (u.protocol === "http:") return "uses http on a non-loopback host; use https";
  // Private-use schemes for native apps (RFC 8252 §7.1) are allowed only in reverse-DNS form.
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$/.test(u.protocol.slice(0, -1))) return undefined;
  return `uses the '${u.protocol}' scheme; use https, loopback http, or a reverse-DNS private-use scheme`;
}
