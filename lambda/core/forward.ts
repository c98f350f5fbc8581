import { NEVER_FORWARDED_HEADERS } from "./never-forwarded.js";
import { ASSERTION_HEADER } from "./assertion.js";
import { plainError } from "./challenge.js";
import { LiteResponse, StreamResponse, type ByteStream, type EdgeRequest, type EdgeResponse } from "./http.js";

/**
 * Gateway mode: sends an allowed request to the upstream MCP server and shapes its answer.
 *
 * Requests carry an allow-list of headers, never a deny-list: the MCP transport headers, the
 * content negotiation headers, and the names the edge config declares (`forwardHeaders`). The
 * client's `Authorization` never goes upstream (no token passthrough, MCP RS-17); the edge's
 * identity assertion and `Forwarded` / `X-Forwarded-*` describe what the edge itself saw (RFC 7239).
 * Hop-by-hop headers, including every header named in `Connection`, are removed in both
 * directions (RFC 9110 §7.6.1). An upstream 401/403 becomes a generic 502 (its challenge speaks
 * about the edge's credential, not the client's), and upstream 5xx bodies are replaced by a
 * generic body so internals never reach the client.
 */

/** Request headers always forwarded (MCP Streamable HTTP transport and content negotiation). */
export const FORWARDED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "accept",
  "content-type",
  "user-agent",
  "mcp-session-id",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "last-event-id",
]);

/** Never forwarded, even when declared (`parseEdgeConfig` refuses such a `forwardHeaders` entry). */
export const NEVER_FORWARDED: ReadonlySet<string> = NEVER_FORWARDED_HEADERS;

/** Hop-by-hop response fields (RFC 9110 §7.6.1), plus what a decoded Fetch body invalidates. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);
const DECODED = new Set(["content-encoding", "content-length"]);

/** What a forwarder sends upstream. `headers` exclude `Host` and `Content-Length` (the forwarder sets them). */
export interface UpstreamCall {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: string | undefined;
  /** Aborted when the client goes away: the forwarder cancels the upstream request. */
  signal?: AbortSignal | undefined;
}

/** What a forwarder got back. `decoded`: the body was already content-decoded (the Fetch API does). */
export interface UpstreamReply {
  status: number;
  headers: Array<[string, string]>;
  body: ByteStream | null;
  decoded: boolean;
  /** Releases the upstream response (connection) without reading the rest. */
  cancel(): void;
}

/** Sends one upstream request. Rejects when the upstream cannot be reached. */
export type Forwarder = (call: UpstreamCall) => Promise<UpstreamReply>;

/** A forwarder over the Fetch API (any runtime; the default when `EdgeOptions.fetch` is given). */
export function fetchForwarder(fetchImpl: typeof fetch): Forwarder {
  return async (c) => {
    const res = await fetchImpl(c.url, { method: c.method, headers: c.headers, body: c.body, redirect: "manual", ...(c.signal ? { signal: c.signal } : {}) });
    const headers: Array<[string, string]> = [];
    res.headers.forEach((v, k) => {
      if (k !== "set-cookie") headers.push([k, v]);
    });
    for (const v of res.headers.getSetCookie()) headers.push(["set-cookie", v]);
    return { status: res.status, headers, body: res.body, decoded: true, cancel: () => void res.body?.cancel().catch(() => undefined) };
  };
}

/** Field names listed in `Connection` values (RFC 9110 §7.6.1), lowercase. */
export function connectionNamed(value: string | null | undefined): ReadonlySet<string> | undefined {
  if (!value) return undefined;
  // The usual values name only hop-by-hop fields, which are never forwarded anyway: no set to build.
  const v = value.length <= 10 ? value.toLowerCase() : "";
  if (v === "keep-alive" || v === "close") return undefined;
  return new Set(value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/** `Forwarded` node value (RFC 7239 §6): IPv6 addresses bracketed and quoted. */
function forwardedNode(ip: string): string {
  return ip.includes(":") ? `"[${ip}]"` : ip;
}

export interface ForwardInput {
  upstream: string;
  req: EdgeRequest;
  /** `req.url`, parsed (the edge has parsed it already). */
  incoming: URL;
  /** The request body already read by the edge (undefined for GET/DELETE). */
  body: string | undefined;
  assertion: string | undefined;
  sourceIp: string | undefined;
  /** Lowercase names forwarded besides `FORWARDED_REQUEST_HEADERS`. */
  allow: ReadonlySet<string>;
  cors: Record<string, string>;
  forwarder: Forwarder;
}

/** The upstream request headers: the allow-list, minus `Connection`-named fields, plus what the edge saw. */
export function upstreamHeaders(req: EdgeRequest, allow: ReadonlySet<string>, assertion: string | undefined, sourceIp: string | undefined, incoming: URL): Array<[string, string]> {
  const named = connectionNamed(req.headers.get("connection"));
  const out: Array<[string, string]> = [];
  // Header names reach the core in lowercase (Fetch `Headers`, `LiteHeaders`).
  req.headers.forEach((v, name) => {
    // MCP 2026-07-28 Streamable HTTP: `Mcp-Param-{Name}` mirrors a tool argument its server checks
    // against the body; an intermediary must pass on those it does not act on.
    if ((FORWARDED_REQUEST_HEADERS.has(name) || allow.has(name) || name.startsWith("mcp-param-")) && !NEVER_FORWARDED.has(name) && (named === undefined || !named.has(name))) out.push([name, v]);
  });
  const proto = incoming.protocol.slice(0, -1);
  if (assertion) out.push([ASSERTION_HEADER, assertion]);
  out.push(["forwarded", `${sourceIp ? `for=${forwardedNode(sourceIp)};` : ""}host="${incoming.host}";proto=${proto}`]);
  if (sourceIp) out.push(["x-forwarded-for", sourceIp]);
  out.push(["x-forwarded-host", incoming.host], ["x-forwarded-proto", proto]);
  return out;
}

/** Why an upstream answer was replaced (for the operator log), or undefined when it passes. */
export function replacedReason(status: number): string | undefined {
  if (status === 401 || status === 403) return "upstream_refused_edge";
  if (status >= 500) return "upstream_error";
  return undefined;
}

/** Forwards and returns the upstream answer as a streaming `StreamResponse`. Throws when the upstream is unreachable. */
export async function forward(f: ForwardInput, onReplaced?: (reason: string, status: number) => void): Promise<EdgeResponse> {
  const incoming = f.incoming;
  // The upstream URL is validated at config load (absolute http(s), no query of its own is kept).
  const q = f.upstream.indexOf("?");
  const reply = await f.forwarder({
    url: `${q < 0 ? f.upstream : f.upstream.slice(0, q)}${incoming.search}`,
    method: f.req.method,
    headers: upstreamHeaders(f.req, f.allow, f.assertion, f.sourceIp, incoming),
    body: f.body,
    signal: f.req.signal,
  });
  const reason = replacedReason(reply.status);
  if (reason) {
    reply.cancel();
    onReplaced?.(reason, reply.status);
    const retry = reply.status >= 500 ? reply.headers.find(([k]) => k === "retry-after") : undefined;
    if (reason === "upstream_refused_edge") return plainError(502, "bad_gateway", f.cors);
    return plainError(reply.status, "upstream_error", { ...f.cors, ...(retry ? { "retry-after": retry[1] } : {}) });
  }
  const rh = reply.headers;
  // Every `Connection` field counts (a list may be split over several, RFC 9110 §5.3).
  let conn: string | undefined;
  for (let i = 0; i < rh.length; i++) if (rh[i]![0] === "connection") conn = conn === undefined ? rh[i]![1] : `${conn}, ${rh[i]![1]}`;
  const named = connectionNamed(conn);
  const cors = f.cors;
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < rh.length; i++) {
    const h = rh[i]!;
    const k = h[0];
    if (HOP_BY_HOP.has(k) || (named !== undefined && named.has(k)) || (reply.decoded && DECODED.has(k)) || Object.hasOwn(cors, k)) continue;
    headers.push(h);
  }
  for (const k in cors) headers.push([k, cors[k]!]);
  // A WHATWG stream (Fetch forwarder) is async-iterable too: one shape for every forwarder.
  if (reply.body === null) return new LiteResponse(reply.status, Object.fromEntries(headers), null);
  return new StreamResponse(reply.status, headers, reply.body as AsyncIterable<Uint8Array>, reply.cancel);
}
