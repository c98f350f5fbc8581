/**
 * Entra only accepts an https Application ID URI (`identifierUris`) whose host is one of the
 * tenant's verified domains or a subdomain of one: `https://<verified>/<path>`,
 * `https://<sub>.<verified>[/<path>]`, `https://<initial>.onmicrosoft.com/<path>`
 * (learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions). Hosts such as
 * `*.azurewebsites.net` or dev tunnels cannot be verified, and Entra then refuses the URI
 * (AADSTS500011 or a save error; mcp-authorization.md §2 pitfall 3). Because the MCP server's
 * canonical resource URI must BE the Application ID URI (Entra compares the RFC 8707 `resource`
 * with it), a server on an unverifiable host cannot work on Entra at all: fail before deploying.
 */

/** Lower-cased domain without a trailing dot. */
function normalise(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, "");
}

/** The verified domain that covers `host` (equal, or a parent of it), or undefined. */
export function coveringDomain(host: string, verifiedDomains: readonly string[]): string | undefined {
  const h = normalise(host);
  let best: string | undefined;
  for (const raw of verifiedDomains) {
    const d = normalise(raw);
    if (d.length === 0) continue;
    if ((h === d || h.endsWith(`.${d}`)) && (best === undefined || d.length > best.length)) best = d;
  }
  return best;
}

/**
 * Why `resource` cannot be an Entra Application ID URI in a tenant with `verifiedDomains`, or
 * undefined when it can. The message names the fix.
 */
export function identifierUriProblem(resource: string, verifiedDomains: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return `'${resource}' is not an absolute URL`;
  }
  if (url.protocol !== "https:") return `'${resource}' must use https to be an Application ID URI that equals the MCP resource`;
  if (url.port !== "") return `'${resource}' has an explicit port; Entra Application ID URIs on verified domains take none`;
  if (coveringDomain(url.hostname, verifiedDomains) !== undefined) return undefined;
  const known = verifiedDomains.length ? verifiedDomains.map(normalise).join(", ") : "(none)";
  return (
    `host '${url.hostname}' of '${resource}' is not a verified domain of the tenant (or a subdomain of one); ` +
    `verified: ${known}. Add and verify the domain in Entra (Domain names → Add custom domain), ` +
    `or move the MCP server to a host under a verified domain`
  );
}
