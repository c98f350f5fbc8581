import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFrontHandler, type FrontLambdaContext } from "../../../components/front/aws/handler.js";
import { deriveSecret, parseSigningKey } from "../../../components/front/aws/derive.js";
import { dynamoFixture, type DynamoFixture } from "../../front/store-helpers.js";
import { functionUrlEvent } from "./front-events.js";

let fx: DynamoFixture;
let signingKey: Record<string, unknown>;
beforeAll(async () => {
  fx = await dynamoFixture();
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  signingKey = { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" };
});
afterAll(async () => {
  await fx.close();
});

const config = { configVersion: 1, plan: { planVersion: 1, name: "crm" } };
const upstream = { issuer: "https://acme.okta.com", clientId: "0oa1" };

async function setup(readSecret: (arn: string) => Promise<string>) {
  const { tableName } = await fx.table();
  const lines: string[] = [];
  let seen: FrontLambdaContext | undefined;
  const handler = createFrontHandler({
    env: { MCP_FRONT_TABLE: tableName, MCP_FRONT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:front" },
    readConfig: () => JSON.stringify(config),
    readSecret,
    dynamo: async () => fx.client,
    write: (l) => lines.push(l),
    async createListener(ctx) {
      seen = ctx;
      return (req, res) => {
        void ctx.store.recordRegistration({ clientId: "", via: "dcr", at: 1_800_000_000, sourceIp: req.socket.remoteAddress ?? "", redirectHosts: ["127.0.0.1"], accepted: false, reason: "too_many_requests: slow down" }).then(() => {
          ctx.log("sign_in_failed upstream=acme");
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ host: req.headers.host, issuer: ctx.issuer }));
        });
      };
    },
  });
  return { handler, lines, seen: () => seen };
}

describe("the front's Lambda handler", () => {
  it("builds the front from the archive config, the secret and the table, with derived cookie and edge-client secrets", async () => {
    const { handler, seen } = await setup(async () => JSON.stringify({ issuer: "https://auth.example.com", signingKey, upstream: { ...upstream, clientSecret: "up-secret" } }));
    const res = await handler(functionUrlEvent("POST", "/reg", { sourceIp: "203.0.113.9" }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ host: "auth.example.com", issuer: "https://auth.example.com" });
    const ctx = seen()!;
    expect(ctx.config.plan).toEqual(config.plan);
    expect(ctx.upstream).toEqual({ ...upstream, clientSecret: "up-secret" });
    expect(ctx.edgeClient).toEqual({ id: "mcp-auth-edge", secret: deriveSecret(parseSigningKey(JSON.stringify(signingKey)), "edge-client") });
    expect(ctx.cookieKeys).toHaveLength(1);
    expect(ctx.cookieKeys[0]).not.toBe(ctx.edgeClient.secret);
  });

  it("writes one JSON line per registration attempt and per front log line, for the alarms' metric filters", async () => {
    const { handler, lines } = await setup(async () => JSON.stringify({ issuer: "https://auth.example.com", signingKey, upstream }));
    await handler(functionUrlEvent("POST", "/reg", { sourceIp: "203.0.113.9" }));
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { event: "registration", via: "dcr", accepted: false, sourceIp: "203.0.113.9", reason: "too_many_requests: slow down" },
      { event: "front", message: "sign_in_failed upstream=acme" },
    ]);
  });

  it("answers 503 while its secret cannot be read, and recovers on a later request", async () => {
    let calls = 0;
    const { handler, lines } = await setup(async () => {
      calls++;
      if (calls === 1) throw new Error("ThrottlingException: rate exceeded");
      return JSON.stringify({ issuer: "https://auth.example.com", signingKey, upstream });
    });
    const first = await handler(functionUrlEvent("GET", "/.well-known/openid-configuration"));
    expect(first.statusCode).toBe(503);
    expect(JSON.parse(first.body)).toMatchObject({ error: "temporarily_unavailable" });
    expect(lines[0]).toContain("front_start_failed");
    const second = await handler(functionUrlEvent("GET", "/.well-known/openid-configuration"));
    expect(second.statusCode).toBe(200);
  });

  it("refuses to start with a public key in place of the private signing key", async () => {
    const { d: _d, ...pub } = signingKey;
    const { handler, lines } = await setup(async () => JSON.stringify({ issuer: "https://auth.example.com", signingKey: pub, upstream }));
    expect((await handler(functionUrlEvent("GET", "/"))).statusCode).toBe(503);
    expect(lines[0]).toMatch(/signingKey must be a private key/);
  });
});

describe("the deployed front's log lines and McpAuthFront's metric filters", () => {
  it("writes a line the registration-burst filter counts for every DCR attempt and CIMD first use, and none for other requests", async () => {
    const { compile } = await import("../../../components/plan/compile.js");
    const { default: crm } = await import("../../../stacks/crm/mcp-auth.js");
    const { createHandler } = await import("../../../components/front/aws/entry.js");
    const { FRONT_LOG_EVENTS } = await import("../../../components/targets/aws/front-resources.js");
    const { filterMatches } = await import("../../support/log-filter.js");
    const { tableName } = await fx.table();
    const agent = await generateKeyPair("ES256", { extractable: true });
    const agentJwk = { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" };
    const lines: string[] = [];
    const handler = createHandler({
      env: { MCP_FRONT_TABLE: tableName, MCP_FRONT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:front" },
      readConfig: () => JSON.stringify({ configVersion: 1, plan: compile(crm), clientPublicKeys: { "nightly-digest": agentJwk } }),
      readSecret: async () => JSON.stringify({ issuer: "https://auth.example.com", signingKey, upstream }),
      dynamo: async () => fx.client,
      write: (l) => lines.push(l),
    });
    const burst = () => lines.filter((l) => filterMatches(FRONT_LOG_EVENTS.registration.pattern, l));
    const failed = () => lines.filter((l) => filterMatches(FRONT_LOG_EVENTS.failedSignIn.pattern, l));
    const reg = (body: unknown) => handler(functionUrlEvent("POST", "/reg", { sourceIp: "203.0.113.9", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
    expect((await handler(functionUrlEvent("GET", "/.well-known/oauth-authorization-server"))).statusCode).toBe(200);
    expect(burst()).toEqual([]);
    const ok = await reg({ redirect_uris: ["http://127.0.0.1:53100/callback"], token_endpoint_auth_method: "none" });
    expect(ok.statusCode).toBe(201);
    const refused = await reg({ redirect_uris: ["https://attacker.example/cb"], token_endpoint_auth_method: "none" });
    expect(refused.statusCode).toBe(400);
    // A CIMD client ID off the tier's domains: refused, and still a registration attempt.
    const cimd = await handler(functionUrlEvent("GET", `/auth?response_type=code&client_id=${encodeURIComponent("https://attacker.example/client.json")}&redirect_uri=${encodeURIComponent("http://127.0.0.1/cb")}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`, { sourceIp: "198.51.100.4" }));
    expect(cimd.statusCode).toBe(400);
    await new Promise((r) => setTimeout(r, 50));
    expect(burst().map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      { event: "registration", via: "dcr", accepted: true, sourceIp: "203.0.113.9" },
      { event: "registration", via: "dcr", accepted: false, sourceIp: "203.0.113.9", reason: expect.stringMatching(/^invalid_redirect_uri: /) },
      { event: "registration", via: "cimd", accepted: false, sourceIp: "198.51.100.4", reason: expect.stringMatching(/^invalid_client: .*not on an allowed domain/) },
    ]);
    // A forged callback: one failed sign-in, counted through the handler's wrapping of the front's lines.
    await handler(functionUrlEvent("GET", "/federation/callback?code=stolen&state=forged"));
    expect(failed()).toHaveLength(1);
    expect(failed()[0]).not.toContain("stolen");
    expect(burst()).toHaveLength(3);
  }, 30_000);
});
