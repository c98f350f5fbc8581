import { createHash, type KeyObject } from "node:crypto";
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { parseCalls } from "./core/jsonrpc.js";
import { batchHeaderOf, verifyBatchedAssertion } from "./upstream-batch.js";

/**
 * For the upstream MCP server behind the edge: verifies the edge's identity assertion
 * (`Mcp-Edge-Assertion`) and that it names the request the server received, so an assertion
 * captured in transit cannot authorize another request within its lifetime. Runs on the upstream,
 * not in the edge bundle.
 */

/** What the upstream checks an assertion against. */
export interface EdgeAssertionCheck {
  /** The edge's public key, or a key set (e.g. `createRemoteJWKSet(new URL("https://mcp.example.com/.well-known/mcp-edge-jwks.json"))`). */
  key: KeyObject | JWTVerifyGetKey;
  /** Expected `iss`: the MCP server's resource URI as the edge serves it. */
  issuer: string;
  /** Expected `aud`: the upstream URL configured at the edge (`upstream`). */
  audience: string;
  /** Algorithms accepted. Default `["EdDSA", "ES256"]`. */
  algorithms?: string[];
  /** HTTP method of the received request. */
  method: string;
  /** The received body, exactly as read (undefined when there was none). */
  body: string | undefined;
  /** Clock, for tests. Default now. */
  currentDate?: Date;
}

/** Claims the edge puts in every assertion (see docs/edge.md, "Gateway mode and the identity assertion"). */
export interface EdgeAssertionClaims extends JWTPayload {
  client_id?: string;
  act?: { sub?: string };
  tenant?: string;
  /** Only the scopes this request used, space-separated; absent when it used none. */
  scope?: string;
  mcp_server: string;
  htm: string;
  mcp_method?: string;
  mcp_name?: string;
  mcp_calls?: Array<{ method: string; name?: string }>;
  body_sha256?: string;
}

/** Thrown when the assertion is missing, invalid, or names another request. */
export class EdgeAssertionError extends Error {
  override readonly name = "EdgeAssertionError";
}

/**
 * The JSON-RPC calls of a body as `[method, name]`, read exactly as the edge reads them
 * (`parseCalls`): the name is the target the edge authorized (`params.name`, `params.uri`, or the
 * `completion/complete` reference), and JSON-RPC responses in a batch are not calls. `undefined`
 * when the body is not JSON-RPC the edge would have forwarded.
 */
function callsOf(body: string): Array<[string, string | undefined]> | undefined {
  const parsed = parseCalls(body);
  return "reason" in parsed ? undefined : parsed.calls.map((c) => [c.method, c.name]);
}

/**
 * Verifies the signature (for a batched assertion: its inclusion proof and the signature over its
 * batch's root), `typ` (`mcp-edge+jwt`), `iss`, `aud`, `exp`, then that `htm`,
 * `body_sha256`, `mcp_method` / `mcp_name` (or `mcp_calls` for a batch) match the request
 * received. Returns the claims; throws `EdgeAssertionError` otherwise.
 */
export async function verifyEdgeAssertion(assertion: string | undefined, c: EdgeAssertionCheck): Promise<EdgeAssertionClaims> {
  if (!assertion) throw new EdgeAssertionError("no Mcp-Edge-Assertion header");
  let payload: EdgeAssertionClaims;
  try {
    const algorithms = c.algorithms ?? ["EdDSA", "ES256"];
    const batched = batchHeaderOf(assertion);
    if (batched) {
      // A batched assertion (`upstreamAssertion: "batched"` at the edge): its signature covers the root of its batch.
      payload = (await verifyBatchedAssertion(assertion, batched, { key: c.key, issuer: c.issuer, audience: c.audience, algorithms, currentDate: c.currentDate })) as EdgeAssertionClaims;
    } else {
      const opts = { issuer: c.issuer, audience: c.audience, algorithms, typ: "mcp-edge+jwt", ...(c.currentDate ? { currentDate: c.currentDate } : {}) };
      const r = typeof c.key === "function" ? await jwtVerify(assertion, c.key, opts) : await jwtVerify(assertion, c.key, opts);
      payload = r.payload as EdgeAssertionClaims;
    }
  } catch (e) {
    throw new EdgeAssertionError(`invalid edge assertion (${(e as { code?: string }).code ?? "error"})`);
  }
  if (payload.htm !== c.method) throw new EdgeAssertionError("assertion names another HTTP method");
  const hash = c.body === undefined ? undefined : createHash("sha256").update(c.body).digest("base64url");
  if (payload.body_sha256 !== hash) throw new EdgeAssertionError("assertion names another body");
  if (c.body !== undefined && c.body.length > 0) {
    const calls = callsOf(c.body);
    if (!calls) throw new EdgeAssertionError("assertion names another JSON-RPC call");
    const named: Array<[string, string | undefined]> = payload.mcp_calls ? payload.mcp_calls.map((x) => [x.method, x.name]) : payload.mcp_method !== undefined ? [[payload.mcp_method, payload.mcp_name]] : [];
    if (calls.length !== named.length || calls.some(([m, n], i) => named[i]![0] !== m || named[i]![1] !== n)) throw new EdgeAssertionError("assertion names another JSON-RPC call");
  }
  return payload;
}
