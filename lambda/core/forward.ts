import { ASSERTION_HEADER } from "./assertion.js";
import type { EdgeRequest } from "./http.js";

/**
 * Gateway mode: sends an allowed request to the upstream MCP server. The client's `Authorization`
 * is removed (no token passthrough, MCP RS-17) and replaced by the edge's identity assertion; a
 * client-supplied assertion header is dropped so it cannot be forged. The upstream body streams
 * back unbuffered (SSE, MCP Streamable HTTP).
 */

/** Request headers never forwarded: credentials, hop-by-hop (RFC 9110 §7.6.1), and what fetch recomputes. */
const DROP_REQUEST = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "host",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "accept-encoding",
  "expect",
  ASSERTION_HEADER,
]);
/** Response headers not copied back (fetch has already decoded the body). */
const DROP_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length", "trailer", "upgrade"]);

export interface ForwardInput {
  upstream: string;
  req: EdgeRequest;
  /** The request body already read by the edge (undefined for GET/DELETE). */
  body: string | undefined;
  assertion: string | undefined;
  sourceIp: string | undefined;
  cors: Record<string, string>;
  fetchImpl: typeof fetch;
  signal?: AbortSignal | undefined;
}

/** Forwards and returns the upstream response with a streaming body. Throws when the upstream is unreachable. */
export async function forward(f: ForwardInput): Promise<Response> {
  const target = new URL(f.upstream);
  const incoming = new URL(f.req.url);
  target.search = incoming.search;
  const headers = new Headers();
  f.req.headers.forEach((v, k) => {
    if (!DROP_REQUEST.has(k)) headers.set(k, v);
  });
  if (f.assertion) headers.set(ASSERTION_HEADER, f.assertion);
  if (f.sourceIp) headers.set("x-forwarded-for", f.sourceIp);
  headers.set("x-forwarded-host", incoming.host);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  const res = await f.fetchImpl(target, {
    method: f.req.method,
    headers,
    body: f.body,
    redirect: "manual",
    ...(f.signal ? { signal: f.signal } : {}),
  });
  const out = new Headers();
  res.headers.forEach((v, k) => {
    if (!DROP_RESPONSE.has(k)) out.append(k, v);
  });
  for (const [k, v] of Object.entries(f.cors)) out.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
}
