import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Adapter } from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FrontStore } from "../../components/front/store/types.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";

/**
 * Refresh-token rotation on the DynamoDB store, with oidc-provider's real token endpoint and
 * dynalite: two refreshes presenting the same refresh token at the same moment.
 */

let fx: DynamoFixture;
let server: Server;
let base: string;
let provider: Provider;
let store: FrontStore;
/** Holds `RefreshToken` consumes until `expected` callers are waiting, so both pass oidc-provider's `consumed` check first. */
let barrier: { expected: number; waiting: (() => void)[] } | undefined;

function withConsumeBarrier(inner: Adapter): Adapter {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== "consume") return Reflect.get(target, prop, receiver);
      return async (id: string) => {
        const b = barrier;
        if (b) {
          await new Promise<void>((resolve) => {
            b.waiting.push(resolve);
            if (b.waiting.length >= b.expected) for (const r of b.waiting) r();
          });
        }
        return target.consume(id);
      };
    },
  });
}

beforeAll(async () => {
  fx = await dynamoFixture();
  ({ store } = await fx.table());
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256", use: "sig" };
  server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = new Provider(base, {
    adapter: (name: string) => (name === "RefreshToken" ? withConsumeBarrier(store.adapter(name)) : store.adapter(name)),
    clients: [{ client_id: "app", token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], redirect_uris: ["http://127.0.0.1/cb"], response_types: ["code"] }],
    jwks: { keys: [jwk] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    rotateRefreshToken: true,
    features: { devInteractions: { enabled: false } },
    ttl: { AccessToken: 300, RefreshToken: 3600, Grant: 3600, IdToken: 300, Session: 3600, Interaction: 600 },
    scopes: ["openid", "offline_access"],
  } as ConstructorParameters<typeof Provider>[1]);
  server.on("request", provider.callback());
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fx.close();
});

async function issueRefreshToken(): Promise<string> {
  const client = await provider.Client.find("app");
  const grant = new provider.Grant({ accountId: "alice", clientId: "app" });
  grant.addOIDCScope("openid offline_access");
  const grantId = await grant.save();
  const rt = new provider.RefreshToken({ client, accountId: "alice", grantId, scope: "openid offline_access", gty: "authorization_code", authTime: Math.floor(Date.now() / 1000) } as never);
  return rt.save();
}

function refresh(token: string): Promise<Response> {
  return fetch(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "app" }),
  });
}

describe("refresh-token rotation on DynamoDB", () => {
  it("lets exactly one of two concurrent refreshes with the same token win; the other gets invalid_grant", async () => {
    const token = await issueRefreshToken();
    barrier = { expected: 2, waiting: [] };
    const [a, b] = await Promise.all([refresh(token), refresh(token)]);
    barrier = undefined;
    const results = await Promise.all([a, b].map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> })));
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(typeof winners[0]?.body["refresh_token"]).toBe("string");
    expect(winners[0]?.body["refresh_token"]).not.toBe(token);
    expect(losers).toEqual([{ status: 400, body: expect.objectContaining({ error: "invalid_grant" }) }]);
  });

  it("refuses a later replay of a rotated refresh token with invalid_grant", async () => {
    const token = await issueRefreshToken();
    const first = await refresh(token);
    expect(first.status).toBe(200);
    const replay = await refresh(token);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("wins every time over many concurrent pairs: never two successes, never a server error", async () => {
    for (let i = 0; i < 5; i++) {
      const token = await issueRefreshToken();
      barrier = { expected: 2, waiting: [] };
      const statuses = (await Promise.all([refresh(token), refresh(token)])).map((r) => r.status).sort();
      barrier = undefined;
      expect(statuses).toEqual([200, 400]);
    }
  });
});
