/**
 * docs/front.md, "Revocation and the bound": "The client: RFC 7009 at /token/revocation; revoking an
 * access or refresh token revokes its grant (a client-credentials token: every token of that agent
 * issued until then)." Agents authenticate with private_key_jwt (the default for confidential
 * tiers) or a client secret, so revocation and introspection of their own tokens must accept those.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { generateKeyPair, SignJWT, type CryptoKey, type KeyObject } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../components/front/store/memory.js";
import type { FrontStore } from "../../components/front/store/types.js";
import { serveCrmFront } from "./helpers.js";

const RESOURCE = "http://127.0.0.1:1/crm";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
let issuer: string;
let store: FrontStore;
let agentKey: CryptoKey | KeyObject;
let otherKey: CryptoKey | KeyObject;
let close: () => Promise<void>;
const edge = { id: "edge", secret: randomBytes(32).toString("base64url") };

beforeAll(async () => {
  store = createMemoryStore();
  ({ issuer, agentKey, close } = await serveCrmFront({ store, edgeClient: edge }));
  otherKey = (await generateKeyPair("ES256")).privateKey;
});
afterAll(() => close());

const assertion = (audience: string, key = agentKey) =>
  new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "a1" }).setIssuer("nightly-digest").setSubject("nightly-digest").setAudience(audience).setJti(randomUUID()).setIssuedAt().setExpirationTime("1m").sign(key);

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${issuer}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(form).toString() });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function agentToken(): Promise<string> {
  const r = await post("/token", { grant_type: "client_credentials", scope: "crm:customers:read", resource: RESOURCE, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(issuer) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body["access_token"] as string;
}

const edgeIntrospects = async (token: string) => (await post("/token/introspection", { token }, { authorization: `Basic ${Buffer.from(`${edge.id}:${edge.secret}`).toString("base64")}` })).body["active"];

describe("an agent (private_key_jwt) and its own tokens", () => {
  it("introspects its own access token, authenticating with a client assertion", async () => {
    const token = await agentToken();
    const r = await post("/token/introspection", { token, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(issuer) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ active: true, client_id: "nightly-digest", aud: RESOURCE });
  });

  it("is refused (401 invalid_client) with an assertion signed by another key, and the token stays active", async () => {
    const token = await agentToken();
    const r = await post("/token/revocation", { token, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(issuer, otherKey) });
    expect(r.status).toBe(401);
    expect(r.body["error"]).toBe("invalid_client");
    expect(await edgeIntrospects(token)).toBe(true);
  });

  it("is refused (401 invalid_client) when an assertion is replayed", async () => {
    const token = await agentToken();
    const once = await assertion(issuer);
    expect((await post("/token/introspection", { token, client_assertion_type: ASSERTION_TYPE, client_assertion: once })).status).toBe(200);
    const again = await post("/token/introspection", { token, client_assertion_type: ASSERTION_TYPE, client_assertion: once });
    expect(again.status).toBe(401);
  });

  // Last: a client revocation also refuses the agent's tokens issued in the same second.
  it("revokes its access token with a client assertion, and every token it was issued until then goes", async () => {
    const first = await agentToken();
    const second = await agentToken();
    const r = await post("/token/revocation", { token: first, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(`${issuer}/token/revocation`) });
    expect(r.status).toBe(200);
    expect(await edgeIntrospects(first)).toBe(false);
    expect(await edgeIntrospects(second)).toBe(false);
    expect((await store.listRevocations(0)).some((x) => x.kind === "client" && x.id === "nightly-digest" && x.by === "client")).toBe(true);
  });
});
