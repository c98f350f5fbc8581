import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEvent, LambdaFunctionURLEvent } from "aws-lambda";
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, REST_API } from "./fixtures.js";
import { testIssuer, type TestIssuer } from "./tokens.js";
import { captureStdout, startUpstream, unpackArchive, type Upstream } from "./artifact.js";
import { authorizerEvent } from "./events.js";

/**
 * The deployed artifact, end to end: the component builds the real esbuild bundle (no bundleFile),
 * packs it with edge-config.json, and the test unpacks that archive and invokes the handler
 * in-process with Function URL and API Gateway event shapes.
 */

let aws: typeof import("../../../components/targets/aws/index.js");
let issuer: TestIssuer;
let upstream: Upstream;
let gatewayDir: string;
let authorizerDir: string;

beforeAll(async () => {
  await installMocks({ state: awsState });
  aws = await import("../../../components/targets/aws/index.js");
  issuer = await testIssuer();
  upstream = await startUpstream();
  const assertionKey = JSON.stringify(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }));
  process.env.MCP_EDGE_ASSERTION_KEY = assertionKey;
  const gw = new aws.McpEdge("bundle-gw", { servers: [{ name: "crm", edgeConfig: crmConfig("crm", { jwks: issuer.jwks }), upstream: upstream.url }], assertionKey: pulumi.secret(assertionKey) });
  const az = new aws.McpEdge("bundle-az", { mode: "authorizer", restApi: REST_API, servers: [{ name: "crm", edgeConfig: crmConfig("crm", { jwks: issuer.jwks }) }] });
  [gatewayDir, authorizerDir] = await Promise.all([unpackArchive(gw.archive), unpackArchive(az.archive)]);
}, 60_000);

afterAll(async () => {
  await upstream?.close();
  delete process.env.MCP_EDGE_ASSERTION_KEY;
});

/** A Lambda Function URL event (payload 2.0) as the Function URL front end sends it. */
function urlEvent(method: string, rawPath: string, headers: Record<string, string>, body?: unknown): LambdaFunctionURLEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: "",
    headers: { host: "abc123xyz.lambda-url.eu-west-1.on.aws", "x-forwarded-proto": "https", ...headers },
    requestContext: {
      accountId: "anonymous",
      apiId: "abc123xyz",
      domainName: "abc123xyz.lambda-url.eu-west-1.on.aws",
      domainPrefix: "abc123xyz",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "198.51.100.7", userAgent: "claude-code/2.0" },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "23/Nov/2026:14:00:00 +0000",
      timeEpoch: 0,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    isBase64Encoded: false,
  };
}

const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const toolCall = (name: string) => ({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: {} } });

describe("the gateway bundle behind a Function URL", () => {
  type V2 = (e: LambdaFunctionURLEvent) => Promise<APIGatewayProxyStructuredResultV2>;
  let handler: V2;
  beforeAll(async () => {
    handler = (await import(pathToFileURL(join(gatewayDir, "index.cjs")).href)).handler as V2;
  });

  it("answers the RFC 9728 metadata at the path-inserted well-known URL", async () => {
    const res = await handler(urlEvent("GET", "/.well-known/oauth-protected-resource/crm", {}));
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body!);
    expect(doc.resource).toBe("https://mcp.example.com/crm");
    expect(doc.authorization_servers).toEqual(["https://example.okta.com/oauth2/aus1crm"]);
  });

  it("answers 401 with the resource_metadata challenge when no token is sent", async () => {
    const res = await handler(urlEvent("POST", "/crm", mcpHeaders, toolCall("list_customers")));
    expect(res.statusCode).toBe(401);
    expect(res.headers!["www-authenticate"]).toContain('resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/crm"');
  });

  it("answers 403 insufficient_scope naming the missing scope for a high-sensitivity tool", async () => {
    const t = await issuer.token({ sub: "bob", scope: "crm:customers:read" });
    const { result: res, lines } = await captureStdout(() => handler(urlEvent("POST", "/crm", { ...mcpHeaders, authorization: `Bearer ${t}` }, toolCall("delete_customer"))));
    expect(res.statusCode).toBe(403);
    expect(res.headers!["www-authenticate"]).toMatch(/error="insufficient_scope"/);
    expect(res.headers!["www-authenticate"]).toMatch(/scope="[^"]*crm:customers:delete/);
    // The audit record is a top-level JSON line: what the saved queries and metric filters read.
    const record = JSON.parse(lines.find((l) => l.includes('"decision"'))!);
    expect(record).toMatchObject({ decision: "deny", status: 403, tool: "delete_customer", user: "bob" });
    expect(typeof record.chain).toBe("string");
    expect(typeof record.seq).toBe("number");
    expect(lines.join("\n")).not.toContain(t);
  });

  it("forwards an allowed tool call to the upstream on loopback without the client's token", async () => {
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
    const before = upstream.received.length;
    const { result: res } = await captureStdout(() => handler(urlEvent("POST", "/crm", { ...mcpHeaders, authorization: `Bearer ${t}` }, toolCall("list_customers"))));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "3 customers" }] } });
    expect(upstream.received.length).toBe(before + 1);
    const got = upstream.received.at(-1)!;
    expect(got.method).toBe("POST");
    expect(got.path).toBe("/mcp");
    expect(JSON.parse(got.body)).toEqual(toolCall("list_customers"));
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers["mcp-edge-assertion"]).toBeTruthy();
  });
});

describe("the gateway bundle with Lambda response streaming", () => {
  it("streams the forwarded answer through awslambda.streamifyResponse", async () => {
    // The Node.js Lambda runtime's streaming globals, as a Function URL with RESPONSE_STREAM provides them.
    const preludes: Array<{ statusCode: number; headers: Record<string, string> }> = [];
    (globalThis as { awslambda?: unknown }).awslambda = {
      streamifyResponse: (fn: unknown) => fn,
      HttpResponseStream: {
        from(stream: NodeJS.WritableStream, prelude: { statusCode: number; headers: Record<string, string> }) {
          preludes.push(prelude);
          return stream;
        },
      },
    };
    try {
      // A second copy of the artifact: the entry picks its handler at module init.
      const dir = await unpackArchive(
        new aws.McpEdge("bundle-gw-stream", { servers: [{ name: "crm", edgeConfig: crmConfig("crm", { jwks: issuer.jwks }), upstream: upstream.url }], assertionKey: pulumi.secret(process.env.MCP_EDGE_ASSERTION_KEY!) }).archive,
      );
      const streaming = (await import(pathToFileURL(join(dir, "index.cjs")).href)).handler as (e: LambdaFunctionURLEvent, s: NodeJS.WritableStream) => Promise<void>;
      const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on("data", (c: Buffer) => chunks.push(c));
      await captureStdout(() => streaming(urlEvent("POST", "/crm", { ...mcpHeaders, authorization: `Bearer ${t}` }, toolCall("list_customers")), sink));
      expect(preludes.at(-1)!.statusCode).toBe(200);
      expect(JSON.parse(Buffer.concat(chunks).toString("utf8")).result.content[0].text).toBe("3 customers");
    } finally {
      delete (globalThis as { awslambda?: unknown }).awslambda;
    }
  }, 60_000);
});

describe("the authorizer bundle behind an API Gateway REST API", () => {
  type H = (e: APIGatewayRequestAuthorizerEvent | APIGatewayProxyEvent) => Promise<APIGatewayAuthorizerResult | APIGatewayProxyResult>;
  let handler: H;
  beforeAll(async () => {
    handler = (await import(pathToFileURL(join(authorizerDir, "index.cjs")).href)).handler as H;
  });
  const call = (tool: string, token?: string) => ({ "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": tool, ...(token ? { Authorization: `Bearer ${token}` } : {}) });

  it("throws Unauthorized (the 401 gateway response) without a valid token", async () => {
    await expect(captureStdout(() => handler(authorizerEvent(call("list_customers"))))).rejects.toThrowError(/^Unauthorized$/);
  });

  it("allows a covered tool and denies an uncovered one with the 403 challenge in the context", async () => {
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
    const { result: allow } = await captureStdout(() => handler(authorizerEvent(call("list_customers", t))));
    expect((allow as APIGatewayAuthorizerResult).policyDocument.Statement[0]!.Effect).toBe("Allow");
    const { result: deny } = await captureStdout(() => handler(authorizerEvent(call("export_customers", t))));
    const d = deny as APIGatewayAuthorizerResult;
    expect(d.policyDocument.Statement[0]!.Effect).toBe("Deny");
    expect(String(d.context!.www_authenticate)).toMatch(/error="insufficient_scope".*crm:customers:export|crm:customers:export.*error="insufficient_scope"/);
  });

  it("serves the metadata route from a payload 1.0 proxy event", async () => {
    const event = {
      resource: "/.well-known/oauth-protected-resource/{proxy+}",
      path: "/.well-known/oauth-protected-resource/crm",
      httpMethod: "GET",
      headers: { Host: "mcp.example.com" },
      multiValueHeaders: { Host: ["mcp.example.com"] },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { proxy: "crm" },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { domainName: "mcp.example.com", identity: { sourceIp: "198.51.100.7" } },
    } as unknown as APIGatewayProxyEvent;
    const res = (await handler(event)) as APIGatewayProxyResult;
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).resource).toBe("https://mcp.example.com/crm");
  });
});
