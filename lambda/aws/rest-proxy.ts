import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { v1Request } from "./v1-request.js";

/**
 * REST API (payload 1.0) Lambda proxy adapter, used in authorizer mode for the one route the edge
 * serves itself: `/.well-known/oauth-protected-resource/{proxy+}` (RFC 9728 §3.1). The metadata
 * route never answers 401, so API Gateway's renaming of `WWW-Authenticate` (pitfall 16) does not
 * matter here.
 */

/** What the adapter needs from the edge. */
export interface EdgeHandle {
  handle(req: Request, ctx: { sourceIp: string }): Promise<Response>;
}

/** Rebuilds the client's request from a payload 1.0 proxy event. */
export function requestFromProxyEvent(event: APIGatewayProxyEvent): Request {
  const { headers, url } = v1Request(event);
  const hasBody = event.body !== null && event.body !== undefined && event.httpMethod !== "GET" && event.httpMethod !== "HEAD";
  const body = hasBody ? (event.isBase64Encoded ? Buffer.from(event.body!, "base64") : event.body!) : undefined;
  return new Request(url, { method: event.httpMethod, headers, ...(body !== undefined ? { body } : {}) });
}

const TEXTUAL = /^(?:text\/|application\/(?:[\w.+-]*\+)?json\b|application\/javascript\b)/i;

/** Converts a Fetch `Response` into a payload 1.0 result (multi-value headers kept). */
export async function proxyResultFromResponse(res: Response): Promise<APIGatewayProxyResult> {
  const multiValueHeaders: Record<string, string[]> = {};
  res.headers.forEach((v, k) => {
    if (k === "set-cookie") return;
    (multiValueHeaders[k] ??= []).push(v);
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) multiValueHeaders["set-cookie"] = cookies;
  const buf = Buffer.from(await res.arrayBuffer());
  const textual = TEXTUAL.test(res.headers.get("content-type") ?? "text/plain");
  return { statusCode: res.status, multiValueHeaders, body: textual ? buf.toString("utf8") : buf.toString("base64"), isBase64Encoded: !textual };
}

/** Builds the proxy handler around an edge. */
export function createRestProxy(edge: EdgeHandle) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const res = await edge.handle(requestFromProxyEvent(event), { sourceIp: event.requestContext.identity?.sourceIp ?? "" });
    return proxyResultFromResponse(res);
  };
}
