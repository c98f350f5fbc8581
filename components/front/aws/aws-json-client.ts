import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentials } from "./aws-env.js";
import { RetryPolicy } from "./aws-retry.js";
import { NodeSha256 } from "./node-sha256.js";

/**
 * A small client for AWS's JSON protocols (awsJson1_0: DynamoDB; awsJson1_1: Secrets Manager): one
 * POST per call to the service endpoint with `X-Amz-Target: <prefix>.<Operation>` and the request
 * as JSON, signed with AWS's own Signature Version 4 signer (`@smithy/signature-v4`), over a
 * keep-alive node:http(s) agent. It keeps what the AWS SDK client gives the front: the standard
 * retry behaviour (`aws-retry.ts`), timeouts, and errors named by the service's error code
 * (`__type`), with its message, `$fault` and `$metadata`. It does not load the SDK (the front's
 * Lambda cold start: ~320 KB less code to compile and run).
 * Protocol: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html (and 1_1).
 */

export interface AwsHttpRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface AwsHttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one signed request (default: node:http(s) with a keep-alive agent); tests pass their own. */
export type AwsTransport = ((request: AwsHttpRequest, timeouts: { connectTimeoutMs: number; requestTimeoutMs: number }) => Promise<AwsHttpResponse>) & { close?: () => void };

export interface AwsJsonClientOptions {
  /** Signing name (SigV4 credential scope), e.g. `dynamodb`, `secretsmanager`. */
  signingName: string;
  /** `X-Amz-Target` prefix, e.g. `DynamoDB_20120810`, `secretsmanager`. */
  targetPrefix: string;
  /** awsJson protocol version: `1.0` (DynamoDB) or `1.1` (Secrets Manager). */
  jsonVersion: "1.0" | "1.1";
  endpoint: URL;
  region: string;
  credentials: AwsCredentials;
  /** Attempts per call, the first included. Default 3 (the SDK's; its DynamoDB client uses 4). */
  maxAttempts?: number;
  /** Backoff base in milliseconds for non-throttling errors. Default 50 (the SDK's; DynamoDB 25). */
  retryBaseDelayMs?: number;
  /** Time to establish a connection, in milliseconds. Default 3000. */
  connectTimeoutMs?: number;
  /** Time for the whole answer of one attempt, in milliseconds. Default 10000. */
  requestTimeoutMs?: number;
  /** Tests: the transport, the signing clock (ms), the sleep between attempts, the jitter source. */
  transport?: AwsTransport;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Default `process.env`: `_X_AMZN_TRACE_ID` is forwarded on Lambda as the SDK does. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** An error answered by the service (4xx/5xx), shaped as the SDK's service exceptions. */
export class AwsServiceError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode: number; requestId?: string; attempts?: number; totalRetryDelay?: number };
  /** The error's other members (e.g. `CancellationReasons` of `TransactionCanceledException`). */
  readonly details: Record<string, unknown>;

  constructor(name: string, message: string, statusCode: number, requestId: string | undefined, details: Record<string, unknown>) {
    super(message);
    this.name = name;
    this.$fault = statusCode >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: statusCode, ...(requestId ? { requestId } : {}) };
    this.details = details;
    // The SDK exposes the error's members on the exception itself.
    for (const [k, v] of Object.entries(details)) if (!(k in this)) Object.defineProperty(this, k, { value: v, enumerable: true });
  }
}

/** The error code as the SDK reads it: `X-Amzn-Errortype`, else `code`, else `__type`, without namespace or suffix. */
function errorCode(headers: IncomingHttpHeaders, data: Record<string, unknown>): string | undefined {
  const header = headers["x-amzn-errortype"];
  const raw = (Array.isArray(header) ? header[0] : header) ?? data["code"] ?? data["__type"];
  if (raw === undefined || raw === null) return undefined;
  let v = String(raw);
  if (v.includes(",")) v = v.split(",")[0]!;
  if (v.includes(":")) v = v.split(":")[0]!;
  if (v.includes("#")) v = v.split("#")[1]!;
  return v;
}

function serviceError(res: AwsHttpResponse): AwsServiceError {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = res.body.length ? JSON.parse(res.body.toString("utf8")) : {};
    if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): the status names the error.
  }
  const name = errorCode(res.headers, data) ?? (res.statusCode >= 500 ? "InternalServerError" : "UnknownError");
  const message = typeof data["message"] === "string" ? data["message"] : typeof data["Message"] === "string" ? data["Message"] : typeof data["errorMessage"] === "string" ? data["errorMessage"] : "UnknownError";
  const { __type: _t, message: _m, Message: _M, code: _c, ...details } = data;
  const requestId = res.headers["x-amzn-requestid"] ?? res.headers["x-amz-request-id"];
  return new AwsServiceError(name, message, res.statusCode, Array.isArray(requestId) ? requestId[0] : requestId, details);
}

/** A TimeoutError, as the SDK's HTTP handler names it (retried as transient). */
const timeoutError = (what: string, ms: number) => Object.assign(new Error(`the ${what} did not complete within ${ms} ms`), { name: "TimeoutError" });

/** node:http(s) with a keep-alive agent per client (the SDK's: keep-alive, 50 sockets). */
export function nodeTransport(endpoint: URL): AwsTransport {
  const https = endpoint.protocol === "https:";
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 50 }) : new HttpAgent({ keepAlive: true, maxSockets: 50 });
  const send = https ? httpsRequest : httpRequest;
  const transport: AwsTransport = (request, { connectTimeoutMs, requestTimeoutMs }) =>
    new Promise<AwsHttpResponse>((resolve, reject) => {
      const req = send(request.url, { method: "POST", agent, headers: request.headers });
      const total = setTimeout(() => req.destroy(timeoutError("request", requestTimeoutMs)), requestTimeoutMs);
      req.once("socket", (socket) => {
        if (!socket.connecting) return;
        const connect = setTimeout(() => req.destroy(timeoutError("connection", connectTimeoutMs)), connectTimeoutMs);
        socket.once("connect", () => clearTimeout(connect));
        req.once("close", () => clearTimeout(connect));
      });
      req.once("error", (err) => {
        clearTimeout(total);
        reject(err);
      });
      req.once("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.once("error", (err) => {
          clearTimeout(total);
          reject(err);
        });
        res.once("end", () => {
          clearTimeout(total);
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.end(request.body);
    });
  transport.close = () => agent.destroy();
  return transport;
}

export interface AwsJsonClient {
  /** Calls `operation` with `input` (JSON); resolves with the parsed answer, rejects once retries are spent. */
  call(operation: string, input: unknown): Promise<Record<string, unknown>>;
  /** The signed request for one call, without sending it (the signer's differential tests). */
  signedRequest(operation: string, input: unknown): Promise<AwsHttpRequest>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const { endpoint, signingName, targetPrefix } = options;
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const signer = new SignatureV4({ service: signingName, region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const retry = new RetryPolicy(options.maxAttempts ?? 3, options.retryBaseDelayMs ?? 50, options.random);
  const transport = options.transport ?? nodeTransport(endpoint);
  const timeouts = { connectTimeoutMs: options.connectTimeoutMs ?? 3_000, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const env = options.env ?? process.env;
  const port = endpoint.port ? Number(endpoint.port) : undefined;

  async function signedRequest(operation: string, input: unknown): Promise<AwsHttpRequest> {
    const body = JSON.stringify(input ?? {});
    const headers: Record<string, string> = {
      "content-type": contentType,
      "x-amz-target": `${targetPrefix}.${operation}`,
      "content-length": String(Buffer.byteLength(body)),
      host: endpoint.host,
    };
    const signed = await signer.sign(
      { method: "POST", protocol: endpoint.protocol, hostname: endpoint.hostname, ...(port !== undefined ? { port } : {}), path: endpoint.pathname, query: {}, headers, body },
      { signingDate: new Date(now()) },
    );
    const out: Record<string, string> = { ...(signed.headers as Record<string, string>) };
    // Recursion detection, as the SDK does on Lambda (not signed): X-Ray links the call to the invocation.
    const trace = env["_X_AMZN_TRACE_ID"];
    if (env["AWS_LAMBDA_FUNCTION_NAME"] && trace) out["x-amzn-trace-id"] = trace;
    return { url: endpoint, headers: out, body };
  }

  return {
    signedRequest,
    close: () => transport.close?.(),
    async call(operation, input) {
      let totalRetryDelay = 0;
      let lastCost: number | undefined;
      for (let retries = 0; ; retries++) {
        let res: AwsHttpResponse | undefined;
        let failure: unknown;
        try {
          // Signed per attempt: the date is part of the signature (SDK: one signature per attempt).
          res = await transport(await signedRequest(operation, input), timeouts);
          if (res.statusCode < 200 || res.statusCode >= 300) failure = serviceError(res);
        } catch (err) {
          failure = err;
        }
        if (failure === undefined && res) {
          retry.succeeded(lastCost);
          const text = res.body.toString("utf8");
          return text ? (JSON.parse(text) as Record<string, unknown>) : {};
        }
        const next = retry.retryAfter(failure, retries);
        if (!next) {
          if (failure && typeof failure === "object") {
            const meta = ((failure as { $metadata?: Record<string, unknown> }).$metadata ??= {});
            Object.assign(meta, { attempts: retries + 1, totalRetryDelay });
          }
          throw failure;
        }
        lastCost = next.cost;
        totalRetryDelay += next.delayMs;
        await sleep(next.delayMs);
      }
    },
  };
}
