/**
 * Request headers the gateway never forwards, even when declared in `forwardHeaders`: credentials,
 * what the edge sets itself, and hop-by-hop fields (RFC 9110 §7.6.1).
 */
export const NEVER_FORWARDED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "host",
  "content-length",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  "mcp-edge-assertion",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

