/**
 * URL arithmetic for the AWS front doors. Pure functions, no Pulumi: the component applies them to
 * resolved outputs, the tests call them directly.
 */

/** The RFC 9728 well-known suffix (§3). */
export const PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource";

/**
 * The metadata URL of a resource: RFC 9728 §3.1 inserts the well-known suffix between the host
 * and the path (`https://h/crm` → `https://h/.well-known/oauth-protected-resource/crm`).
 * Query and fragment are dropped (the canonical resource URI has neither).
 */
export function metadataUrlFor(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === "/" ? "" : u.pathname;
  return `${u.origin}${PRM_WELL_KNOWN}${path}`;
}

/** The path of a resource URI (`https://h/crm` → `/crm`; origin-only → `""`). */
export function resourcePath(resource: string): string {
  const p = new URL(resource).pathname;
  return p === "/" ? "" : p;
}

/**
 * The resource URI rebased onto another origin, keeping its path: the URL a client reaches
 * through a front door with a generated host (e.g. a Function URL).
 * `rebase("https://mcp.example.com/crm", "https://abc.lambda-url.eu-west-1.on.aws/")`
 * → `https://abc.lambda-url.eu-west-1.on.aws/crm`.
 */
export function rebase(resource: string, origin: string): string {
  const o = new URL(origin);
  return `${o.origin}${resourcePath(resource)}`;
}

/** The lower-cased host of a URI. */
export function hostOf(uri: string): string {
  return new URL(uri).host.toLowerCase();
}
