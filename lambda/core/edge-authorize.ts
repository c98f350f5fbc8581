import type { Authorizer, Decision, RequestContext } from "./authorize.js";
import { plainError } from "./challenge.js";
import type { Denial, Edge } from "./edge.js";
import { LiteResponse, toResponse, type EdgeRequest, type EdgeResponse } from "./http.js";
import type { ServerRuntime } from "./server.js";

/**
 * What `createEdge` adds to the request path for callers of the Fetch API: `handle`'s standard
 * `Response`s and `authorize` (decide without forwarding: the REST authorizer, tests, embedding).
 * Kept in a module of its own so that the Lambda gateway bundle, which serves with `handleLite`
 * and never authorizes alone, leaves both out.
 */

/** The edge internals `authorize` needs. */
export interface AuthorizeParts {
  runtimes: readonly ServerRuntime[];
  /** Route by the resource URI's path; among equal paths prefer the request's host. */
  byPath(path: string, host: string, pick: (r: ServerRuntime) => string): ServerRuntime | undefined;
  /** The body, bounded (a `LiteResponse` 413 past the limit). */
  readBody(req: EdgeRequest): Promise<string | undefined | LiteResponse>;
  authorizer: Authorizer;
}

/** The Fetch API parts of an edge: `asResponse` for `handle`, `authorize` built from the internals. */
export interface FetchApiParts {
  asResponse(r: EdgeResponse): Response;
  authorize(p: AuthorizeParts): Edge["authorize"];
}

const denial = (lite: LiteResponse): Denial => {
  let r: Response | undefined;
  return {
    allow: false,
    lite,
    get response() {
      return (r ??= toResponse(lite));
    },
  };
};

/** `edge.authorize`: the decision alone, on a request with a body or (REST authorizer) headers only. */
function authorizeWith(p: AuthorizeParts): Edge["authorize"] {
  return async (req: EdgeRequest, ctx: RequestContext = {}) => {
    const url = new URL(req.url);
    const s = p.byPath(url.pathname, url.host.toLowerCase(), (r) => r.path) ?? (p.runtimes.length === 1 ? p.runtimes[0] : undefined);
    if (!s) return denial(plainError(404, "not_found"));
    const body = await p.readBody(req);
    if (body instanceof LiteResponse) return denial(body);
    const d: Decision = await p.authorizer.decide(s, req, body, ctx);
    // Observe mode (authorizer): the backend is reached without a principal; the record says `would: "deny"`.
    if (!d.allow && d.observed) return { allow: true as const, principal: null, scopes: [] as string[], method: req.headers.get("mcp-method") ?? undefined, name: undefined };
    if (!d.allow) return denial(d.response);
    const first = d.calls[0];
    return { allow: true as const, principal: d.principal, scopes: d.scopes, method: first?.method, name: first?.name };
  };
}

export const FETCH_API: FetchApiParts = { asResponse: toResponse, authorize: authorizeWith };
