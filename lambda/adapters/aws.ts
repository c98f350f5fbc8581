import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { Edge } from "../core/edge.js";
import { headerPairsOf, LiteRequest, LiteResponse, StreamResponse, type EdgeResponse } from "../core/http.js";

/**
 * AWS adapters: Lambda Function URL (response streaming through `awslambda.streamifyResponse`
 * when the runtime provides it, buffered otherwise) and API Gateway HTTP API payload v2 events.
 * Both use the payload format 2.0 event shape.
 *
 * Note (reference pitfall 16): API Gateway *REST* APIs with proxy integration rename
 * `WWW-Authenticate` to `x-amzn-remapped-www-authenticate`; that mode is served by the
 * authorizer entry (`lambda/aws/authorizer-entry.ts`) with gateway responses instead.
 */

/** Payload v2 event fields the adapter reads (Function URL and HTTP API events both match). */
export type V2Event = Pick<APIGatewayProxyEventV2, "rawPath" | "rawQueryString" | "headers" | "body" | "isBase64Encoded"> & {
  cookies?: string[] | undefined;
  requestContext: { domainName?: string; http: { method: string; sourceIp: string } };
};

/**
 * Rebuilds the request as a `LiteRequest` (no Fetch API on the cold path). Payload v2 joins
 * repeated headers with commas, so two `Authorization` headers arrive as one comma-joined value,
 * which the core refuses.
 */
export function requestFromV2(event: V2Event): LiteRequest {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) pairs.push([k, v]);
  if (event.cookies?.length) pairs.push(["cookie", event.cookies.join("; ")]);
  const host = event.headers?.host ?? event.requestContext.domainName ?? "localhost";
  const proto = event.headers?.["x-forwarded-proto"] ?? "https";
  const url = `${proto}://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`;
  const method = event.requestContext.http.method;
  const hasBody = event.body !== undefined && event.body !== null && method !== "GET" && method !== "HEAD";
  const body = hasBody ? (event.isBase64Encoded ? Buffer.from(event.body!, "base64").toString("utf8") : event.body!) : null;
  return new LiteRequest(method, url, pairs, body);
}

/** Payload v2 headers: one value per name (repeated names joined with ", "), `Set-Cookie` apart. */
function headersOf(res: EdgeResponse): { headers: Record<string, string>; cookies: string[] } {
  if (res instanceof LiteResponse) return { headers: res.headers, cookies: [] };
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [k, v] of headerPairsOf(res)) {
    if (k === "set-cookie") cookies.push(v);
    else headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { headers, cookies };
}

/** The whole body of a streaming answer (buffered integrations only). */
async function bodyBytes(res: Response | StreamResponse): Promise<Buffer> {
  if (res instanceof StreamResponse) {
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  }
  return Buffer.from(await res.arrayBuffer());
}

/** Converts a core answer to a buffered payload v2 result (`Set-Cookie` goes to `cookies`). */
export async function resultV2(res: EdgeResponse): Promise<APIGatewayProxyStructuredResultV2> {
  const { headers, cookies } = headersOf(res);
  if (res instanceof LiteResponse) return { statusCode: res.status, headers, body: res.body ?? "", isBase64Encoded: false };
  const buf = await bodyBytes(res);
  const text = /^(?:text\/|application\/(?:json|jwk-set\+json))/.test(headers["content-type"] ?? "");
  return {
    statusCode: res.status,
    headers,
    ...(cookies.length ? { cookies } : {}),
    body: text ? buf.toString("utf8") : buf.toString("base64"),
    isBase64Encoded: !text,
  };
}

/** Handler for HTTP API (payload v2) events, and buffered Function URL invocations. */
export function httpApiHandler(edge: Edge) {
  return async (event: V2Event): Promise<APIGatewayProxyStructuredResultV2> => {
    const res = await edge.handleLite(requestFromV2(event), { sourceIp: event.requestContext.http.sourceIp });
    const out = await resultV2(res);
    // Buffered: nothing runs after the return (the instance may freeze), so the audit work runs first.
    await edge.afterResponse();
    return out;
  };
}

/** The slice of the Lambda Node.js runtime's global `awslambda` used for response streaming. */
export interface AwsLambdaGlobal {
  streamifyResponse(fn: (event: V2Event, stream: NodeJS.WritableStream, ctx: Context) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: NodeJS.WritableStream, prelude: { statusCode: number; headers: Record<string, string>; cookies?: string[] }): NodeJS.WritableStream };
}

/**
 * Writes a core answer to a Lambda response stream as it arrives (SSE flows unbuffered). A node
 * upstream body is piped straight in (the stream's back-pressure reaches the upstream socket); a
 * Fetch body is written chunk by chunk, waiting for `drain`. When the response stream fails or
 * closes early (the client went away) the upstream request is cancelled.
 */
export async function streamTo(res: EdgeResponse, stream: NodeJS.WritableStream, aws: AwsLambdaGlobal): Promise<void> {
  const { headers, cookies } = headersOf(res);
  const out = aws.HttpResponseStream.from(stream, { statusCode: res.status, headers, ...(cookies.length ? { cookies } : {}) }) as NodeJS.WritableStream & { writableFinished?: boolean };
  if (res instanceof LiteResponse) {
    if (res.body) out.write(res.body);
    await new Promise<void>((resolve) => out.end(() => resolve()));
    return;
  }
  if (res instanceof StreamResponse && typeof (res.body as { pipe?: unknown }).pipe === "function") {
    const body = res.body as unknown as NodeJS.ReadableStream & { on(e: string, f: (...a: unknown[]) => void): unknown };
    await new Promise<void>((resolve) => {
      let settled = false;
      const done = () => {
        if (!settled) (settled = true), resolve();
      };
      out.on("finish", done);
      out.on("close", () => {
        if (!out.writableFinished) res.cancel();
        done();
      });
      out.on("error", () => {
        res.cancel();
        done();
      });
      // An upstream that dies mid-stream: end what the client has (the stream is cut, not rewritten).
      body.on("error", () => out.end());
      body.pipe(out);
    });
    return;
  }
  if (res.body) {
    try {
      await writeAll(res.body, out);
    } catch {
      if (res instanceof StreamResponse) res.cancel();
      else await res.body.cancel().catch(() => undefined);
    }
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

/** Writes every chunk, waiting for `drain` when the stream is full (back-pressure). */
async function writeAll(body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>, out: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    if (out.write(chunk) === false) await new Promise<void>((r) => out.once("drain", () => r()));
  }
}

/**
 * The Function URL handler: streaming when `awslambda.streamifyResponse` exists (Function URL
 * with `InvokeMode: RESPONSE_STREAM`), buffered payload v2 otherwise.
 */
export function functionUrlHandler(edge: Edge, aws: AwsLambdaGlobal | undefined = (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda): unknown {
  if (!aws?.streamifyResponse) return httpApiHandler(edge);
  return aws.streamifyResponse(async (event, stream) => {
    const res = await edge.handleLite(requestFromV2(event), { sourceIp: event.requestContext.http.sourceIp });
    await streamTo(res, stream, aws);
    // The response has ended; the invocation lasts until the audit work (records, checkpoints) is done.
    await edge.afterResponse();
  });
}
