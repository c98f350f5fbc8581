import type { LambdaFunctionURLEvent } from "aws-lambda";

/** A Lambda Function URL event (payload format 2.0) as the Function URL front end sends it. */
export function functionUrlEvent(method: string, pathAndQuery: string, init: { headers?: Record<string, string>; body?: string | Buffer; cookies?: string[]; sourceIp?: string } = {}): LambdaFunctionURLEvent {
  const [rawPath = "/", rawQueryString = ""] = pathAndQuery.split("?");
  const binary = Buffer.isBuffer(init.body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: { host: "abc.lambda-url.eu-west-1.on.aws", "x-forwarded-proto": "https", ...(init.headers ?? {}) },
    ...(init.cookies ? { cookies: init.cookies } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: "abc",
      domainName: "abc.lambda-url.eu-west-1.on.aws",
      domainPrefix: "abc",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: init.sourceIp ?? "198.51.100.7", userAgent: "test" },
      requestId: "r1",
      routeKey: "$default",
      stage: "$default",
      time: "05/Dec/2026:08:00:00 +0000",
      timeEpoch: 1_800_000_000_000,
    },
    ...(init.body !== undefined ? { body: binary ? (init.body as Buffer).toString("base64") : (init.body as string), isBase64Encoded: binary } : { isBase64Encoded: false }),
  } as LambdaFunctionURLEvent;
}
