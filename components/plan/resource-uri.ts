/**
 * Canonical form of an MCP server's resource URI. MCP (2025-06-18 and later, "Canonical Server URI")
 * says implementations SHOULD accept uppercase scheme and host: those are lowercased, and a default
 * port is dropped. Everything after the authority is kept byte-for-byte, because RFC 9728 §3.3
 * requires the metadata's `resource` to match what the client used, and `new URL(...).href` would
 * add a trailing slash to an origin-only URI (a known interoperability trap). Whether the result is
 * acceptable (https, non-empty path, no trailing slash/query/fragment) is the `canonical-resource-uri`
 * rule's job.
 */
export function canonicalResourceUri(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(uri);
  if (!m) return uri;
  const scheme = m[1]!.toLowerCase();
  let authority = m[2]!.toLowerCase();
  const rest = m[3]!;
  if ((scheme === "https" && authority.endsWith(":443")) || (scheme === "http" && authority.endsWith(":80"))) {
    authority = authority.slice(0, authority.lastIndexOf(":"));
  }
  return `${scheme}://${authority}${rest}`;
}

/** Why a resource URI is not canonical, or undefined when it is. */
export function resourceUriProblem(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return "is not an absolute URL";
  }
  if (u.protocol !== "https:") return "must use https";
  if (u.username || u.password) return "must not carry user information";
  const afterAuthority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(.*)$/s.exec(uri)?.[1] ?? "";
  if (afterAuthority.includes("#")) return "must not have a fragment";
  if (afterAuthority.includes("?")) return "must not have a query";
  if (afterAuthority === "" || afterAuthority === "/") return "must have a non-empty path (e.g. https://mcp.example.com/crm)";
  if (afterAuthority.endsWith("/")) return "must not end with a trailing slash";
  return undefined;
}
