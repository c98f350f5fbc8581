import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { v1Request } from "./v1-request.js";

/**
 * API Gateway REST API Lambda REQUEST authorizer adapter: turns the authorizer event into a
 * bodyless `Request`, asks the edge for a decision, and maps the decision onto the only three
 * outcomes an authorizer has (API Gateway developer guide, "Lambda authorizer output"):
 *
 * | edge decision                         | authorizer output            | client sees                                  |
 * |---------------------------------------|------------------------------|----------------------------------------------|
 * | allow                                 | Allow policy + context       | the integration's answer                     |
 * | 401 (no/invalid/expired token)        | `throw new Error("Unauthorized")` | UNAUTHORIZED gateway response: 401 + the deploy-time challenge |
 * | 403 (insufficient_scope, origin, ...) | Deny policy + context        | ACCESS_DENIED gateway response: 403 + `WWW-Authenticate` from `context.authorizer.www_authenticate` |
 * | 400 (malformed Mcp-* headers)         | Deny policy + context        | 403 (an authorizer cannot answer 400)         |
 * | 5xx (JWKS or introspection down)      | throw another error          | 500 AuthorizerConfigurationException (fail closed) |
 *
 * Why 401 carries no per-request detail: API Gateway turns the `Unauthorized` error into the
 * UNAUTHORIZED response without any authorizer context, so its challenge is static (RFC 9728
 * `resource_metadata` and the mandatory `scope`). A Deny policy does carry `context`, so the 403
 * challenge (`error="insufficient_scope"`, every missing scope) is exact.
 */

/** The authorizer context key holding the 403 challenge; `context.authorizer.<key>` in the gateway response. Only letters, digits and `_` are allowed there. */
export const AUTHORIZER_CHALLENGE_CONTEXT_KEY = "www_authenticate";

/** Authorizer context keys of the authorized JSON-RPC method and of its tool/prompt name or resource URI. */
export const METHOD_CONTEXT_KEY = "mcp_method";
export const NAME_CONTEXT_KEY = "mcp_name";

/** The exact error message API Gateway maps to 401 (any other message becomes a 500). */
export const UNAUTHORIZED_MESSAGE = "Unauthorized";

/** What the adapter needs from the edge (`createEdge(...)`): a bodyless decision. */
export interface EdgeAuthorize {
  authorize(req: Request, ctx: { sourceIp: string }): Promise<AuthorizeDecision>;
  /** The edge's after-response hook (audit records, checkpoints). */
  afterResponse?(): Promise<void>;
}

/** The edge's decision, as returned by `edge.authorize`. */
export type AuthorizeDecision =
  | { allow: true; principal: unknown; scopes: readonly string[]; method?: string | undefined; name?: string | undefined }
  | { allow: false; response: Response };

/** Flat authorizer context: API Gateway accepts only string, number and boolean values. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/**
 * Rebuilds the client's request from a REQUEST authorizer event (no body: API Gateway never sends
 * it to an authorizer); see `v1Request`.
 */
export function requestFromAuthorizerEvent(event: APIGatewayRequestAuthorizerEvent): Request {
  const { headers, url } = v1Request(event);
  return new Request(url, { method: event.httpMethod, headers });
}

/** The policy document for one method ARN (never a wildcard: results are not cached, see the component). */
function policy(effect: "Allow" | "Deny", methodArn: string): APIGatewayAuthorizerResult["policyDocument"] {
  return { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }] };
}

/** Principal field → context key (the edge's `Principal`; snake case for mapping expressions). */
const PRINCIPAL_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ["sub", "sub"],
  ["clientId", "client_id"],
  ["agent", "agent"],
  ["tenant", "tenant"],
  ["issuer", "iss"],
  ["jti", "jti"],
  ["expiresAt", "exp"],
];

/**
 * Flattens the edge's principal into authorizer context (strings, numbers, booleans only; absent
 * fields omitted). The backend reads it as `event.requestContext.authorizer.<key>` or maps it into
 * headers (`context.authorizer.sub`). `scope` holds the scopes the decision required;
 * `mcp_method` and `mcp_name` the JSON-RPC method and the tool/prompt name or resource URI the
 * decision authorized (from `Mcp-Method` and the decoded `Mcp-Name`). The authorizer never sees the
 * body, so the backend MUST check that the body asks for exactly this method and name (MCP
 * 2026-07-28 Streamable HTTP, "Server Validation": servers that process the body reject a
 * header/body mismatch with 400 and -32020).
 */
export function principalContext(principal: unknown, scopes: readonly string[], op: { method?: string | undefined; name?: string | undefined } = {}): AuthorizerContext {
  const ctx: AuthorizerContext = { scope: scopes.join(" ") };
  if (op.method !== undefined) ctx[METHOD_CONTEXT_KEY] = op.method;
  if (op.name !== undefined) ctx[NAME_CONTEXT_KEY] = op.name;
  if (typeof principal === "object" && principal !== null) {
    for (const [from, to] of PRINCIPAL_FIELDS) {
      const v = (principal as Record<string, unknown>)[from];
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") ctx[to] = v;
    }
  }
  return ctx;
}

/** The RFC 6750 `error` code of a challenge, if any. */
export function challengeError(challenge: string): string | undefined {
  return /(?:^|[\s,])error="([^"]*)"/.exec(challenge)?.[1];
}

/** Maps an edge decision onto an authorizer result, or throws as API Gateway requires (see table above). */
export async function authorizerResult(decision: AuthorizeDecision, methodArn: string): Promise<APIGatewayAuthorizerResult> {
  if (decision.allow) {
    const context = principalContext(decision.principal, decision.scopes, decision);
    const principalId = String(context.sub ?? context.client_id ?? "anonymous");
    return { principalId, policyDocument: policy("Allow", methodArn), context };
  }
  const res = decision.response;
  // Drain the body so no stream stays open; its content is not needed.
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 401) throw new Error(UNAUTHORIZED_MESSAGE);
  if (res.status >= 500) throw new Error(`edge unavailable (${res.status})`);
  // A bare "Bearer" is a syntactically valid challenge (RFC 7235 §2.1) for denials that carry none (e.g. a forbidden Origin).
  const challenge = res.headers.get("www-authenticate") ?? "Bearer";
  const error = challengeError(challenge) ?? (res.status === 400 ? "invalid_request" : "access_denied");
  return { principalId: "denied", policyDocument: policy("Deny", methodArn), context: { [AUTHORIZER_CHALLENGE_CONTEXT_KEY]: challenge, error, status: res.status } };
}

/** Builds the authorizer handler around an edge. */
export function createRestAuthorizer(edge: EdgeAuthorize) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const req = requestFromAuthorizerEvent(event);
    const decision = await edge.authorize(req, { sourceIp: event.requestContext.identity?.sourceIp ?? "" });
    try {
      return await authorizerResult(decision, event.methodArn);
    } finally {
      // Buffered: the audit work (records, due checkpoints) runs before the instance may freeze.
      await edge.afterResponse?.();
    }
  };
}
