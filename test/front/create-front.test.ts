import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFront, type FrontOptions } from "../../components/front/front.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import { devPlan } from "../../components/local/dev-plan.js";
import { crmPlan, REDIRECT } from "../local/fixtures.js";
import { serveDocuments } from "./helpers.js";

let key: JWK;
let agentKey: JWK;
beforeAll(async () => {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  key = { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" };
  const agent = await generateKeyPair("ES256", { extractable: true });
  agentKey = { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" };
});

function options(over: Partial<FrontOptions> = {}): FrontOptions {
  return {
    plan: devPlan(crmPlan(), "http://127.0.0.1:1"),
    issuer: "https://auth.example.com",
    signingKey: key,
    cookieKeys: [randomBytes(32).toString("base64url")],
    store: createMemoryStore(),
    upstream: { issuer: "https://example.okta.com", clientId: "front" },
    edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
    clientCredentials: { "nightly-digest": { publicJwk: agentKey } },
    ...over,
  };
}

describe("createFront's options", () => {
  it("names the field and the fix when an option is wrong", async () => {
    await expect(createFront(options({ issuer: "https://auth.example.com/" }))).rejects.toThrow(/issuer .*without trailing slash/);
    await expect(createFront(options({ signingKey: { ...key, d: undefined } as JWK }))).rejects.toThrow(/signingKey.d/);
    await expect(createFront(options({ cookieKeys: [] }))).rejects.toThrow(/cookieKeys needs at least one key/);
    await expect(createFront(options({ edgeClient: { id: "edge", secret: "short" } }))).rejects.toThrow(/edgeClient.secret/);
    // A private_key_jwt agent needs a key: from the plan's jwksUri or clientCredentials.
    await expect(createFront(options({ clientCredentials: {} }))).rejects.toThrow(/'nightly-digest' .*neither a jwksUri in the plan nor a key in clientCredentials/);
  });

  it("refuses an issuer with a path, whose well-known metadata URLs the front does not serve (RFC 8414 §3.1)", async () => {
    await expect(createFront(options({ issuer: "https://auth.example.com/tenant1" }))).rejects.toThrow(/^createFront: issuer must be an origin .*without trailing slash, path/);
    await expect(createFront(options({ issuer: "https://auth.example.com:8443" }))).resolves.toBeDefined();
  });

  it("refuses a plain-http issuer on a host that is not loopback, unless allowHttpIssuer is set for local development", async () => {
    await expect(createFront(options({ issuer: "http://auth.example.com" }))).rejects.toThrow(/^createFront: issuer http:\/\/auth\.example\.com must use https/);
    await expect(createFront(options({ issuer: "http://127.0.0.1:9400" }))).resolves.toBeDefined();
    await expect(createFront(options({ issuer: "http://[::1]:9400" }))).resolves.toBeDefined();
    await expect(createFront(options({ issuer: "http://0.0.0.0:9400", allowHttpIssuer: true }))).resolves.toBeDefined();
  });

  it("refuses the dev-only switches on a non-loopback issuer", async () => {
    await expect(createFront(options({ autoApprove: true }))).rejects.toThrow(/autoApprove is refused for a non-loopback issuer/);
    await expect(createFront(options({ cimd: { allowLoopback: true } }))).rejects.toThrow(/cimd.allowLoopback is refused/);
  });

  it("publishes only the public part of the signing key", async () => {
    const front = await createFront(options());
    expect(front.jwks.keys).toHaveLength(1);
    expect(front.jwks.keys[0]).not.toHaveProperty("d");
    expect(front.jwks.keys[0]!.kid).toBe("k1");
  });
});

describe("client ID metadata documents", () => {
  let docs: Awaited<ReturnType<typeof serveDocuments>>;
  let server: Server;
  let issuer = "";
  let prodIssuer = "";
  let prod: Server;
  beforeAll(async () => {
    docs = await serveDocuments((origin) => ({
      "/ok.json": { body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/ok.json`, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }) },
      "/mismatch.json": { body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/other.json`, redirect_uris: [REDIRECT] }) },
      "/evil-redirect.json": { body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/evil-redirect.json`, redirect_uris: ["https://evil.example/cb"] }) },
      "/big.json": { body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/big.json`, redirect_uris: [REDIRECT], pad: "x".repeat(6000) }) },
      "/moved.json": { status: 302, headers: { location: `${origin}/ok.json` }, body: "{}" },
      "/slow.json": { delayMs: 1500, body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/slow.json`, redirect_uris: [REDIRECT] }) },
    }));
    const start = async (allowLoopback: boolean) => {
      let handle: Server["listeners"] extends never ? never : (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = () => undefined;
      const s = createServer((req, res) => handle(req, res));
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      const iss = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      const front = await createFront(options({ issuer: iss, ...(allowLoopback ? { cimd: { allowLoopback: true, timeoutMs: 500 } } : {}) }));
      handle = front.handle;
      return { s, iss };
    };
    ({ s: server, iss: issuer } = await start(true));
    ({ s: prod, iss: prodIssuer } = await start(false));
  });
  afterAll(async () => {
    await docs?.close();
    server?.close();
    prod?.close();
  });

  async function authorize(iss: string, clientId: string): Promise<{ status: number; text: string }> {
    const url = new URL(`${iss}/auth`);
    for (const [k, v] of Object.entries({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT, scope: "crm:customers:read", resource: "http://127.0.0.1:1/crm", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: "manual" });
    return { status: res.status, text: await res.text() };
  }

  it("accepts a loopback document in dev/test mode and refuses it otherwise", async () => {
    expect((await authorize(issuer, `${docs.origin}/ok.json`)).status).toBe(303);
    const refused = await authorize(prodIssuer, `${docs.origin}/ok.json`);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("must be an https URL");
  });

  it("refuses documents whose client_id differs, whose redirect URIs are off the tier's rules, that are too large or that redirect", async () => {
    for (const [doc, why] of [
      ["mismatch", "it must equal the document URL exactly"],
      ["evil-redirect", "is not on an allowed domain of tier"],
      ["big", "5120 bytes"],
      ["moved", "redirects are not followed"],
      ["slow", "did not answer within 500 ms"],
    ]) {
      const r = await authorize(issuer, `${docs.origin}/${doc}.json`);
      expect(r.status, doc).toBe(400);
      expect(r.text, doc).toContain(why);
    }
  });
});

describe("client ID metadata documents: registration records", () => {
  it("records each use the cache does not answer as a registration attempt via cimd, with its source address", async () => {
    const docs = await serveDocuments((origin) => ({
      "/ok.json": { body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/ok.json`, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }) },
      "/mismatch.json": { body: JSON.stringify({ client_name: "Test client", client_id: `${origin}/other.json`, redirect_uris: [REDIRECT] }) },
    }));
    const store = createMemoryStore();
    const recorded: Array<Record<string, unknown>> = [];
    const original = store.recordRegistration.bind(store);
    store.recordRegistration = async (r) => {
      recorded.push({ ...r });
      return original(r);
    };
    let handle: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = () => undefined;
    const server = createServer((req, res) => handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const iss = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      handle = (await createFront(options({ issuer: iss, store, cimd: { allowLoopback: true } }))).handle;
      const authorize = async (clientId: string) => {
        const url = new URL(`${iss}/auth`);
        for (const [k, v] of Object.entries({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT, scope: "crm:customers:read", resource: "http://127.0.0.1:1/crm", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })) url.searchParams.set(k, v);
        return (await fetch(url, { redirect: "manual" })).status;
      };
      expect(await authorize(`${docs.origin}/ok.json`)).toBe(303);
      expect(await authorize(`${docs.origin}/ok.json`)).toBe(303);
      expect(await authorize(`${docs.origin}/mismatch.json`)).toBe(400);
      await new Promise((r) => setTimeout(r, 20));
      expect(recorded).toEqual([
        expect.objectContaining({ via: "cimd", clientId: `${docs.origin}/ok.json`, sourceIp: "127.0.0.1", redirectHosts: ["127.0.0.1"], accepted: true }),
        expect.objectContaining({ via: "cimd", clientId: `${docs.origin}/mismatch.json`, sourceIp: "127.0.0.1", accepted: false, reason: expect.stringMatching(/^invalid_client_metadata: .*must equal the document URL/) }),
      ]);
    } finally {
      server.close();
      await docs.close();
    }
  });
});

describe("dynamic client registration", () => {
  let server: Server;
  let issuer = "";
  const store = createMemoryStore();
  const recorded: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const original = store.recordRegistration.bind(store);
    store.recordRegistration = async (r) => {
      recorded.push({ ...r });
      return original(r);
    };
    let handle: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = () => undefined;
    server = createServer((req, res) => handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handle = (await createFront(options({ issuer, store, dcrDenyList: { softwareIds: ["known-bad"], redirectHosts: ["evil.example"] } }))).handle;
  });
  afterAll(() => server?.close());

  const register = async (body: Record<string, unknown>) => {
    const res = await fetch(`${issuer}/reg`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("refuses a deny-listed software id with invalid_client_metadata and stores no client, but records the attempt", async () => {
    const r = await register({ redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", software_id: "known-bad" });
    expect(r.status).toBe(400);
    expect(r.body["error"]).toBe("invalid_client_metadata");
    expect(String(r.body["error_description"])).toContain("software_id 'known-bad' is on the deny list");
    expect(recorded.at(-1)).toMatchObject({ via: "dcr", accepted: false, softwareId: "known-bad", redirectHosts: ["127.0.0.1"], clientId: "" });
  });

  it("refuses a higher tier's auth method and records the refusal; records an accepted client with its signals", async () => {
    const secret = await register({ redirect_uris: [REDIRECT], token_endpoint_auth_method: "client_secret_basic" });
    expect(secret.status).toBe(400);
    expect(secret.body["error"]).toBe("invalid_client_metadata");
    expect(recorded.at(-1)).toMatchObject({ accepted: false });
    const ok = await register({ redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", software_id: "good-app" });
    expect(ok.status).toBe(201);
    expect(recorded.at(-1)).toMatchObject({ accepted: true, clientId: ok.body["client_id"], softwareId: "good-app", redirectHosts: ["127.0.0.1"] });
  });
});

describe("the DCR deny list", () => {
  it("is checked when the front starts: a malformed block is refused, naming the entry", async () => {
    await expect(createFront(options({ dcrDenyList: { sourceCidrs: ["10.0.0.0/33"] } }))).rejects.toThrow(/createFront: dcrDenyList is invalid: dcrDenyList\.sourceCidrs\.0: must be an IP address or CIDR block/);
  });
});

/**
 * docs/front.md, Library: "Options are validated at start; an error names the option and what is
 * expected" — the `cimd` options included, whether or not the plan has a CIMD tier yet.
 */
describe("createFront validates the cimd options at start", () => {
  const withoutCimdTier = () => {
    const plan = devPlan(crmPlan(), "http://127.0.0.1:1");
    return { ...plan, tiers: plan.tiers.filter((t) => t.registration !== "cimd") };
  };

  it("names cimd.maxBytes, cimd.timeoutMs and cimd.cacheSeconds when they are not what is expected", async () => {
    await expect(createFront(options({ cimd: { maxBytes: 0 } }))).rejects.toThrow(/^createFront: cimd\.maxBytes .*positive integer/);
    await expect(createFront(options({ cimd: { timeoutMs: 2.5 } }))).rejects.toThrow(/^createFront: cimd\.timeoutMs .*positive integer/);
    await expect(createFront(options({ cimd: { cacheSeconds: -1 } }))).rejects.toThrow(/^createFront: cimd\.cacheSeconds .*non-negative integer/);
  });

  it("refuses a malformed cimd option even when the plan has no CIMD tier", async () => {
    const plan = withoutCimdTier();
    await expect(createFront(options({ cimd: { maxBytes: -5 }, plan }))).rejects.toThrow(/^createFront: cimd\.maxBytes/);
    await expect(createFront(options({ cimd: { allowLoopback: "yes" as unknown as boolean }, plan }))).rejects.toThrow(/^createFront: cimd\.allowLoopback/);
  });

  it("accepts well-formed cimd options", async () => {
    const front = await createFront(options({ cimd: { maxBytes: 4096, timeoutMs: 2000, cacheSeconds: 0 } }));
    expect(front.issuer).toBe("https://auth.example.com");
  });
});
