import { IncomingMessage, ServerResponse, type RequestListener } from "node:http";
import { Socket } from "node:net";
import { Writable } from "node:stream";
import type { LambdaFunctionURLEvent } from "aws-lambda";

/** The structured Function URL response (payload format 2.0). */
export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/**
 * Runs a node:http request listener (the front, an oidc-provider Koa app) for one Lambda Function
 * URL event (payload format 2.0) and returns the buffered result. No socket, no port: the request
 * is an `IncomingMessage` fed from the event and the response bytes are collected in memory.
 */

/** Largest response the adapter collects (a Function URL's buffered response limit is 6 MB). */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * @param publicOrigin the front's issuer origin: `Host` and `X-Forwarded-Host/Proto` are set to it,
 *   so endpoint URLs the listener builds from the request (oidc-provider does) name the issuer,
 *   also behind CloudFront, which reaches the Function URL under the function's own host name.
 */
function requestFrom(event: LambdaFunctionURLEvent, publicOrigin?: URL): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = event.requestContext.http.method;
  req.url = event.rawPath + (event.rawQueryString ? `?${event.rawQueryString}` : "");
  req.httpVersion = "1.1";
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const headers: Record<string, string> = {};
  const raw: string[] = [];
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value === undefined) continue;
    if (publicOrigin && /^(host|x-forwarded-host|x-forwarded-proto)$/i.test(name)) continue;
    headers[name.toLowerCase()] = value;
    raw.push(name, value);
  }
  if (publicOrigin) {
    for (const [name, value] of [["host", publicOrigin.host], ["x-forwarded-host", publicOrigin.host], ["x-forwarded-proto", publicOrigin.protocol.slice(0, -1)]] as const) {
      headers[name] = value;
      raw.push(name, value);
    }
  }
  if (event.cookies?.length) {
    headers["cookie"] = event.cookies.join("; ");
    raw.push("cookie", headers["cookie"]);
  }
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
  if (body.length > 0 && headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) {
    headers["content-length"] = String(body.length);
    raw.push("content-length", headers["content-length"]);
  }
  req.headers = headers;
  req.rawHeaders = raw;
  // The caller's address, as the Function URL saw it (rate limits, risk records).
  Object.defineProperty(req.socket, "remoteAddress", { value: event.requestContext.http.sourceIp, configurable: true });
  if (body.length > 0) req.push(body);
  req.push(null);
  return req;
}

/** Collects what the response writes, past the status line and headers node serialises first. */
function collectingSocket(onBody: (chunk: Buffer) => void): Writable {
  let headerDone = false;
  let pending = Buffer.alloc(0);
  return new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
      if (headerDone) onBody(buf);
      else {
        pending = Buffer.concat([pending, buf]);
        const end = pending.indexOf("\r\n\r\n");
        if (end !== -1) {
          headerDone = true;
          const rest = pending.subarray(end + 4);
          if (rest.length) onBody(rest);
        }
      }
      callback();
    },
  });
}

export async function invokeListener(listener: RequestListener, event: LambdaFunctionURLEvent, options: { publicOrigin?: string } = {}): Promise<FunctionUrlResult> {
  const req = requestFrom(event, options.publicOrigin ? new URL(options.publicOrigin) : undefined);
  const res = new ServerResponse(req);
  // No chunked framing: the body bytes are the payload as written.
  res.useChunkedEncodingByDefault = false;
  res.chunkedEncoding = false;
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  const socket = collectingSocket((b) => {
    size += b.length;
    if (size > MAX_RESPONSE_BYTES) overflow = true;
    else chunks.push(b);
  });
  res.assignSocket(socket as unknown as Socket);
  const finished = new Promise<void>((resolve, reject) => {
    res.once("finish", resolve);
    res.once("error", reject);
    req.once("error", reject);
  });
  listener(req, res);
  await finished;
  if (overflow) return { statusCode: 502, headers: { "content-type": "text/plain" }, body: "response too large", isBase64Encoded: false };

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined) continue;
    if (name === "set-cookie") cookies = (Array.isArray(value) ? value : [String(value)]).map(String);
    else if (name !== "connection" && name !== "transfer-encoding") headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  const body = Buffer.concat(chunks);
  const type = headers["content-type"] ?? "";
  const text = /^(text\/|application\/(json|.*\+json|x-www-form-urlencoded|javascript))/i.test(type) || body.length === 0;
  return {
    statusCode: res.statusCode,
    headers,
    ...(cookies ? { cookies } : {}),
    body: text ? body.toString("utf8") : body.toString("base64"),
    isBase64Encoded: !text,
  };
}
