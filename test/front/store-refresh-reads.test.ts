import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFront, type Front } from "../../components/front/front.js";
import type { FrontStore } from "../../components/front/store/types.js";
import { compile } from "../../components/plan/compile.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";

/**
 * What a refresh costs in DynamoDB calls on the front (createFront, DynamoDB store on dynalite), and
 * that reading less changes nothing it guarantees: rotation, replay refused, revocation honoured
 * from the next request.
 */

const plan = compile(crm);
const CRM = plan.servers.find((s) => s.name === "crm")!.resource;
let fx: DynamoFixture;
let store: FrontStore;
let front: Front;
let server: Server;
let base: string;
let calls: string[] = [];

beforeAll(async () => {
  fx = await dynamoFixture();
  fx.onCall((operation) => calls.push(operation));
  ({ store } = await fx.table());
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const agent = await generateKeyPair("ES256", { extractable: true });
  let handle!: RequestListener;
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front = await createFront({
    plan,
    issuer: base,
    signingKey: { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" },
    cookieKeys: [randomBytes(32).toString("base64url")],
    store,
    upstream: { issuer: "https://idp.example.com", clientId: "front", clientSecret: "s3cret-s3cret-s3cret" },
    edgeClient: { id: "mcp-auth-edge", secret: randomBytes(32).toString("base64url") },
    clientCredentials: { "nightly-digest": { publicJwk: { ...(await exportJWK(agent.publicKey)), kid: "agent", alg: "ES256" } } },
  });
  handle = front.handle;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fx.close();
});

async function refreshTokenFor(sub: string, clientId: string): Promise<string> {
  const authTime = Math.floor(Date.now() / 1000);
  await store.adapter("FrontAccount").upsert(sub, { sub, upstreamIssuer: "https://idp.example.com", username: sub, name: sub, email: `${sub}@example.com`, groups: ["sales-reps"], authTime } as never, 3600);
  const client = await front.provider.Client.find(clientId);
  const grant = new front.provider.Grant({ accountId: sub, clientId });
  grant.addResourceScope(CRM, "crm:customers:read");
  const grantId = await grant.save();
  await store.putConsent({ sub, clientId, resource: CRM, scopes: { "crm:customers:read": authTime }, grantIds: [grantId], updatedAt: authTime });
  return new front.provider.RefreshToken({ client, accountId: sub, grantId, scope: "crm:customers:read", resource: CRM, gty: "authorization_code", authTime } as never).save();
}

async function refresh(token: string, clientId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: clientId, resource: CRM }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const counted = (list: string[]) => [...list].sort().join(" ");

describe("a refresh on the DynamoDB store", () => {
  it("makes 5 DynamoDB calls: token and revocations, grant, account and consent in one batch read (the consent once), the conditional consume, one batch write", async () => {
    const rt = await refreshTokenFor("alice", "claude-code");
    calls = [];
    const r = await refresh(rt, "claude-code");
    expect(r.status).toBe(200);
    expect(counted(calls)).toBe("BatchGetItem BatchWriteItem GetItem Query UpdateItem");
    // Rotation (public client): a new refresh token; the old one is spent.
    expect(typeof r.body["refresh_token"]).toBe("string");
    expect(r.body["refresh_token"]).not.toBe(rt);
    const replay = await refresh(rt, "claude-code");
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // Reuse detection: the replay revoked the grant, so the rotated token is refused too.
    expect(await refresh(String(r.body["refresh_token"]), "claude-code")).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("honours a revocation recorded just before the refresh", async () => {
    const rt = await refreshTokenFor("bob", "claude-code");
    const at = Math.floor(Date.now() / 1000) + 1;
    await store.addRevocation({ kind: "user", id: "bob", at, by: "admin", expiresAt: at + 3600 });
    const r = await refresh(rt, "claude-code");
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("reads a registered client's metadata once per instance, not on every request", async () => {
    const dcr = plan.tiers.find((t) => t.registration === "dcr")!;
    const clientId = `dcr-${randomBytes(6).toString("hex")}`;
    await store.adapter("Client").upsert(
      clientId,
      { client_id: clientId, client_name: "Registered", redirect_uris: ["http://127.0.0.1:40000/callback"], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none", application_type: "native", mcp_tier: dcr.name } as never,
      undefined as never,
    );
    // Issuing the tokens below reads the client once (and keeps it); without the cache each refresh would add a read.
    const first = await refreshTokenFor("carol", clientId);
    const second = await refreshTokenFor("dave", clientId);
    calls = [];
    expect((await refresh(first, clientId)).status).toBe(200);
    expect(calls.length).toBe(5);
    calls = [];
    expect((await refresh(second, clientId)).status).toBe(200);
    expect(calls.length).toBe(5);
  });
});
