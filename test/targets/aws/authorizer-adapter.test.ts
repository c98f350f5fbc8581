import { beforeAll, describe, expect, it } from "vitest";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { createEdge } from "../../../lambda/index.js";
import { createRestAuthorizer, requestFromAuthorizerEvent, challengeError, principalContext } from "../../../lambda/aws/authorizer.js";
import { createRestProxy } from "../../../lambda/aws/rest-proxy.js";
import { crmConfig } from "./fixtures.js";
import { authorizerEvent, METHOD_ARN } from "./events.js";
import { testIssuer, type TestIssuer } from "./tokens.js";

let issuer: TestIssuer;
let audit: Array<Record<string, unknown>>;
let authorize: ReturnType<typeof createRestAuthorizer>;

beforeAll(async () => {
  issuer = await testIssuer();
  audit = [];
  const edge = createEdge([crmConfig("crm", { jwks: issuer.jwks })], {
    audit: (r) => void audit.push(r as unknown as Record<string, unknown>),
    log: () => undefined,
    fetch: async () => {
      throw new Error("no network in this test");
    },
  });
  authorize = createRestAuthorizer(edge);
});

const call = (tool: string) => ({ "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": tool, "Content-Type": "application/json", Accept: "application/json, text/event-stream" });

describe("the REST API Lambda authorizer", () => {
  it("rejects a request without a token with the exact 'Unauthorized' error that API Gateway maps to 401", async () => {
    await expect(authorize(authorizerEvent(call("list_customers")))).rejects.toThrowError(/^Unauthorized$/);
  });

  it("rejects an expired token as Unauthorized (401), never as a Deny", async () => {
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" }, { iatOffset: -7200, ttl: 600 });
    await expect(authorize(authorizerEvent({ ...call("list_customers"), Authorization: `Bearer ${t}` }))).rejects.toThrowError(/^Unauthorized$/);
  });

  it("allows a tool call the token's scopes cover, for this method ARN only, with the principal in the context", async () => {
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read crm:deals:read" });
    const res = await authorize(authorizerEvent({ ...call("list_customers"), Authorization: `Bearer ${t}` }));
    expect(res.principalId).toBe("alice");
    expect(res.policyDocument).toEqual({ Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN }] });
    expect(res.context).toMatchObject({ sub: "alice", client_id: "claude-code", scope: "crm:customers:read", iss: "https://example.okta.com/oauth2/aus1crm", mcp_method: "tools/call", mcp_name: "list_customers" });
    expect(Object.values(res.context!).every((v) => ["string", "number", "boolean"].includes(typeof v))).toBe(true);
    expect(audit.at(-1)).toMatchObject({ decision: "allow", tool: "list_customers", user: "alice", ip: "198.51.100.7" });
  });

  it("denies a high-sensitivity tool the token lacks with a Deny policy whose context carries the insufficient_scope challenge", async () => {
    const t = await issuer.token({ sub: "bob", scope: "crm:customers:read" });
    const res = await authorize(authorizerEvent({ ...call("delete_customer"), Authorization: `Bearer ${t}` }));
    expect(res.policyDocument.Statement[0]).toMatchObject({ Effect: "Deny", Resource: METHOD_ARN });
    const challenge = String(res.context!.www_authenticate);
    expect(challenge).toMatch(/^Bearer /);
    expect(challengeError(challenge)).toBe("insufficient_scope");
    expect(challenge).toContain('resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/crm"');
    expect(challenge).toMatch(/scope="[^"]*crm:customers:delete[^"]*"/);
    expect(res.context!.error).toBe("insufficient_scope");
    expect(audit.at(-1)).toMatchObject({ decision: "deny", status: 403, tool: "delete_customer", user: "bob" });
  });

  it("denies header-only authorization to clients announcing a protocol older than 2026-07-28 or none, whose headers no server checks", async () => {
    const t = await issuer.token({ sub: "alice", scope: "" });
    const listing = (version?: string): Record<string, string> => ({ "Mcp-Method": "tools/list", Authorization: `Bearer ${t}`, ...(version ? { "MCP-Protocol-Version": version } : {}) });
    for (const version of [undefined, "2025-11-25", "2025-06-18"]) {
      const res = await authorize(authorizerEvent(listing(version)));
      expect(res.policyDocument.Statement[0], String(version)).toMatchObject({ Effect: "Deny" });
      expect(res.context).toMatchObject({ status: 400 });
      expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "header_version_too_old" });
    }
    const modern = await authorize(authorizerEvent(listing("2026-07-28")));
    expect(modern.policyDocument.Statement[0]).toMatchObject({ Effect: "Allow" });
    expect(modern.context).toMatchObject({ mcp_method: "tools/list" });
    expect(modern.context).not.toHaveProperty("mcp_name");
  });

  it("passes the decoded Mcp-Name of a base64-encoded tool name to the backend", async () => {
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
    const encoded = `=?base64?${Buffer.from("list_customers").toString("base64")}?=`;
    const res = await authorize(authorizerEvent({ ...call("list_customers"), "Mcp-Name": encoded, Authorization: `Bearer ${t}` }));
    expect(res.policyDocument.Statement[0]).toMatchObject({ Effect: "Allow" });
    expect(res.context).toMatchObject({ mcp_name: "list_customers" });
  });

  it("denies a bodyless POST that does not name its operation in Mcp-Method (403, invalid_request)", async () => {
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
    const res = await authorize(authorizerEvent({ Authorization: `Bearer ${t}`, "Content-Type": "application/json" }));
    expect(res.policyDocument.Statement[0]).toMatchObject({ Effect: "Deny" });
    expect(res.context).toMatchObject({ error: "invalid_request", status: 400 });
    expect(String(res.context!.www_authenticate)).toMatch(/^Bearer/);
  });

  it("fails closed with a non-401 error (API Gateway 500) when the keys cannot be fetched", async () => {
    const edge = createEdge([crmConfig("crm")], {
      audit: () => undefined,
      log: () => undefined,
      fetch: async () => new Response("down", { status: 503 }),
    });
    const t = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
    const err = await createRestAuthorizer(edge)(authorizerEvent({ ...call("list_customers"), Authorization: `Bearer ${t}` })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).not.toBe("Unauthorized");
  });

  it("rebuilds the request from multi-value headers and query parameters, without the stage in the path", () => {
    const req = requestFromAuthorizerEvent(
      authorizerEvent({}, {
        multiValueHeaders: { Host: ["mcp.example.com"], "Mcp-Method": ["tools/call"], Accept: ["application/json", "text/event-stream"] },
        multiValueQueryStringParameters: { a: ["1", "2"] },
      }),
    );
    expect(req.url).toBe("https://mcp.example.com/crm?a=1&a=2");
    expect(req.method).toBe("POST");
    expect(req.headers.get("mcp-method")).toBe("tools/call");
    expect(req.headers.get("accept")).toBe("application/json, text/event-stream");
  });

  it("flattens only scalar principal fields into the context", () => {
    expect(principalContext({ sub: "u", clientId: "c", agent: undefined, scopes: ["a"], expiresAt: 5 }, ["a", "b"])).toEqual({ scope: "a b", sub: "u", client_id: "c", exp: 5 });
  });
});

describe("the REST API metadata route", () => {
  it("answers the RFC 9728 document through a payload 1.0 proxy event", async () => {
    const edge = createEdge([crmConfig("crm", { jwks: issuer.jwks })], { audit: () => undefined, log: () => undefined });
    const proxy = createRestProxy(edge);
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
    const res = await proxy(event);
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    const doc = JSON.parse(res.body);
    expect(doc.resource).toBe("https://mcp.example.com/crm");
    expect(doc.authorization_servers).toEqual(["https://example.okta.com/oauth2/aus1crm"]);
    expect(res.multiValueHeaders!["content-type"]![0]).toMatch(/application\/json/);
  });
});
