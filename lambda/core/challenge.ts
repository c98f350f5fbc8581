import { LiteResponse } from "./http.js";

/**
 * Error responses and RFC 6750 challenges. The client sees a stable, generic description; the
 * specific reason goes to the operator log (OAuth 2.1 §5.3, RFC 6750 §3).
 */

/** Generic description for every refused token: the detailed reason is logged, never sent. */
export const INVALID_TOKEN_DESCRIPTION = "The access token is invalid, expired, or not issued for this resource";

/** Quotes a value for an auth-param (RFC 9110 §11.2 quoted-string): escapes `\` and `"`, drops controls. */
export function quote(v: string): string {
  return `"${v.replace(/[\u0000-\u001f\u007f]/g, "").replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface ChallengeParams {
  resourceMetadata: string;
  scopes?: readonly string[] | undefined;
  error?: "invalid_request" | "invalid_token" | "insufficient_scope" | undefined;
  description?: string | undefined;
}

/**
 * `WWW-Authenticate: Bearer …`. With no token presented there is no `error` (RFC 6750 §3.1);
 * `resource_metadata` is RFC 9728 §5.1; `scope` lists what the operation needs (MCP RS-8/RS-11).
 * `offline_access` is never put in a challenge (RS-10).
 */
export function bearerChallenge(p: ChallengeParams): string {
  const parts = [`resource_metadata=${quote(p.resourceMetadata)}`];
  const scopes = (p.scopes ?? []).filter((s) => s !== "offline_access");
  if (scopes.length > 0) parts.push(`scope=${quote(scopes.join(" "))}`);
  if (p.error) parts.push(`error=${quote(p.error)}`);
  if (p.description) parts.push(`error_description=${quote(p.description)}`);
  return `Bearer ${parts.join(", ")}`;
}

/** CORS headers for the MCP endpoint when the Origin is allowed (the challenge must be readable, pitfall 15). */
export function corsFor(origin: string | null): Record<string, string> {
  if (!origin) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version",
    vary: "Origin",
  };
}

/** Headers common to every error: never cached (RFC 6749 §5.1 spirit; workers-oauth-provider does the same). */
const NO_STORE = { "cache-control": "no-store", "access-control-expose-headers": "WWW-Authenticate" };

/** 401/403 with a Bearer challenge and a small JSON body. */
export function challengeResponse(status: 400 | 401 | 403, challenge: string, cors: Record<string, string>, body: Record<string, unknown>): LiteResponse {
  return new LiteResponse(status, { ...NO_STORE, ...cors, "content-type": "application/json", "www-authenticate": challenge }, JSON.stringify(body));
}

/** A JSON-RPC error response at HTTP level (400 for malformed/mismatched requests, RS-24). */
export function jsonRpcError(status: number, code: number, message: string, cors: Record<string, string>, extra?: Record<string, string>, id: string | number | null = null): LiteResponse {
  // JSON-RPC 2.0 §5: the error carries the request's id (null when it could not be read).
  return new LiteResponse(status, { ...NO_STORE, ...cors, "content-type": "application/json", ...extra }, JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
}

/** A plain error without a challenge (403 origin, 404, 405, 413, 503). */
export function plainError(status: number, error: string, extra?: Record<string, string>): LiteResponse {
  return new LiteResponse(status, { ...NO_STORE, "content-type": "application/json", ...extra }, JSON.stringify({ error }));
}
