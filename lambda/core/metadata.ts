import type { EdgeConfig } from "../config.js";
import { plainError } from "./challenge.js";
import { LiteResponse } from "./http.js";

/** RFC 9728 §3: the well-known suffix. */
export const WELL_KNOWN_PRM = "/.well-known/oauth-protected-resource";

/**
 * Where a resource's metadata lives: the well-known suffix inserted between host and path
 * (RFC 9728 §3.1; MCP RS-4), e.g. `https://h/.well-known/oauth-protected-resource/crm`.
 */
export function metadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === "/" ? "" : u.pathname;
  return `${u.origin}${WELL_KNOWN_PRM}${path}`;
}

/** The path at which a resource's metadata is served (without origin). */
export function metadataPath(resource: string): string {
  const u = new URL(resource);
  return `${WELL_KNOWN_PRM}${u.pathname === "/" ? "" : u.pathname}`;
}

/**
 * The RFC 9728 §2 document. `resource` and `authorization_servers` are the configured strings,
 * byte-exact (RS-5, RS-7; RFC 8414 §3.3), never re-serialised through `URL` (pitfalls 13, 14).
 * `scopes_supported` is the minimal set (RS-9) and never holds `offline_access` (RS-10).
 */
export function metadataDocument(c: EdgeConfig): Record<string, unknown> {
  return {
    resource: c.resource,
    authorization_servers: c.authorizationServers,
    scopes_supported: c.scopesSupported.filter((s) => s !== "offline_access"),
    bearer_methods_supported: ["header"],
    resource_name: c.resourceName,
  };
}

/** Metadata is public and the same for everyone: any origin may read it (pitfall 15). */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Mcp-Protocol-Version",
  "access-control-max-age": "86400",
};

/** Serves the metadata document for GET/HEAD, a CORS preflight for OPTIONS, 405 with `Allow` otherwise. */
export function metadataResponse(method: string, body: string): LiteResponse {
  if (method === "OPTIONS") return new LiteResponse(204, { ...CORS }, null);
  if (method !== "GET" && method !== "HEAD") return plainError(405, "method_not_allowed", { ...CORS, allow: "GET, HEAD, OPTIONS" });
  return new LiteResponse(
    200,
    {
      ...CORS,
      "content-type": "application/json",
      // Short shared caching: a changed IdP shows up within minutes, and clients do not hammer the edge.
      "cache-control": "public, max-age=300, stale-while-revalidate=60",
      "content-length": String(Buffer.byteLength(body)),
    },
    method === "HEAD" ? null : body,
  );
}
