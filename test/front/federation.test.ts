import { describe, expect, it } from "vitest";
import { createFrontHandler } from "../../components/front/aws/handler.js";
import { frontSubject } from "../../components/front/federation.js";
import { FRONT_LOG_EVENTS } from "../../components/targets/aws/front-resources.js";
import { filterMatches } from "../support/log-filter.js";
import { functionUrlEvent } from "../targets/aws/front-events.js";
import { planGroupsOf } from "../../components/front/policy.js";
import { startAuthorizationServer } from "../../components/local/authorization-server.js";
import { devPlan } from "../../components/local/dev-plan.js";
import { Browser } from "../local/browser.js";
import { crmPlan } from "../local/fixtures.js";

describe("mapping the upstream identity", () => {
  it("gives each upstream user one stable sub, distinct across issuers and keys", () => {
    const a = frontSubject("k", "https://idp.example", "00u1");
    expect(frontSubject("k", "https://idp.example", "00u1")).toBe(a);
    expect(frontSubject("k", "https://other.example", "00u1")).not.toBe(a);
    expect(frontSubject("k2", "https://idp.example", "00u1")).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("maps the IdP's group names onto plan groups by idpGroup, ignoring the rest", () => {
    const plan = crmPlan();
    expect(planGroupsOf(plan, ["CRM Sales Ops", "Everyone", "CRM Admins"])).toEqual(["crm-admins", "sales-ops"]);
    // A plan group's own name is not an IdP group: nothing is granted for it.
    expect(planGroupsOf(plan, ["sales-reps"])).toEqual([]);
  });
});

describe("the federation callback", () => {
  it("refuses a callback whose state it did not issue, and a replayed one", async () => {
    const as = await startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1") });
    try {
      const forged = await fetch(`${as.issuer}/federation/callback?code=abc&state=made-up`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toContain("unknown or expired");
      const url = new URL(`${as.issuer}/auth`);
      for (const [k, v] of Object.entries({ response_type: "code", client_id: "claude-code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: "http://127.0.0.1:1/crm", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })) url.searchParams.set(k, v);
      const browser = new Browser();
      const callback = await browser.authorize(url.href, `${as.issuer}/federation/callback`, { user: "bob" });
      expect((await browser.request(callback.href)).status).toBe(303);
      const replay = await browser.request(callback.href);
      expect(replay.status).toBe(400);
    } finally {
      await as.close();
    }
  });
});

describe("the loopback home on a non-loopback address", () => {
  it("starts without the dev-only CIMD switch and signs users in at its embedded IdP", async () => {
    const as = await startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1"), host: "0.0.0.0" });
    try {
      const md = (await (await fetch(`http://127.0.0.1:${as.port}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      expect(md["issuer"]).toBe(as.issuer);
      expect(as.issuer).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const url = new URL(`${as.issuer}/auth`);
      for (const [k, v] of Object.entries({ response_type: "code", client_id: "claude-code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: "http://127.0.0.1:1/crm", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })) url.searchParams.set(k, v);
      const cb = await new Browser().authorize(url.href, "http://127.0.0.1:33418/callback", { user: "bob" });
      expect(cb.searchParams.get("code")).toBeTruthy();
    } finally {
      await as.close();
    }
  });
});

/** Follows the front's redirects from `/auth` until the browser leaves for the upstream IdP; returns that URL. */
async function toUpstream(browser: Browser, authUrl: string, frontIssuer: string): Promise<URL> {
  let current = authUrl;
  for (let hops = 0; hops < 10; hops++) {
    const res = await browser.request(current);
    const loc = res.headers.get("location");
    if (!loc) throw new Error(`${current} answered ${res.status} without a redirect`);
    const next = new URL(loc, current);
    if (next.origin !== new URL(frontIssuer).origin) return next;
    current = next.href;
  }
  throw new Error("never left for the upstream IdP");
}

const AUTH_PARAMS = { response_type: "code", client_id: "claude-code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: "http://127.0.0.1:1/crm", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" };

describe("failed sign-ins, logged for McpAuthFront's failed sign-in alarm", () => {
  /** The line the front wrote for the IdP's error (first test), fed to the Lambda handler (last test). */
  let produced: string | undefined;
  const failed = (lines: string[]) => lines.filter((l) => filterMatches(FRONT_LOG_EVENTS.failedSignIn.pattern, l));

  it("writes one sign_in_failed line per failure (the IdP's error, a forged state, a replay), matched by the metric filter and free of codes and secrets", async () => {
    const lines: string[] = [];
    const as = await startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1"), log: (l) => lines.push(l) });
    try {
      const url = new URL(`${as.issuer}/auth`);
      for (const [k, v] of Object.entries(AUTH_PARAMS)) url.searchParams.set(k, v);

      // The IdP answers with an error (the user refused there, or is not assigned).
      const browser = new Browser();
      const upstream = await toUpstream(browser, url.href, as.issuer);
      expect(upstream.origin).toBe(new URL(as.upstreamIssuer).origin);
      const state = upstream.searchParams.get("state")!;
      expect(failed(lines)).toEqual([]);
      const refused = await browser.request(`${as.issuer}/federation/callback?error=access_denied&error_description=${encodeURIComponent("nope")}&state=${encodeURIComponent(state)}`);
      expect(refused.status).toBe(303);
      expect(failed(lines)).toHaveLength(1);
      produced = failed(lines)[0];
      expect(JSON.parse(failed(lines)[0]!)).toEqual({
        event: "sign_in_failed",
        reason: "upstream_error",
        upstream_error: "access_denied",
        client_id: "claude-code",
        upstream_issuer: as.upstreamIssuer,
        message: "the identity provider refused the sign-in (access_denied)",
      });

      // A callback whose state the front never issued, and a replay of a finished one.
      await fetch(`${as.issuer}/federation/callback?code=stolen-code&state=made-up`);
      await browser.request(`${as.issuer}/federation/callback?code=another-code&state=${encodeURIComponent(state)}`);
      const reasons = failed(lines).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(reasons.map((r) => r["reason"])).toEqual(["upstream_error", "unknown_state", "unknown_state"]);
      for (const l of failed(lines)) {
        expect(l).not.toContain("stolen-code");
        expect(l).not.toContain("another-code");
        expect(l).not.toContain(state);
        expect(l).not.toContain("nope");
      }
      // Nothing else the front logs is counted as a failed sign-in.
      const browser2 = new Browser();
      await browser2.authorize(url.href, "http://127.0.0.1:33418/callback", { user: "bob" });
      expect(failed(lines)).toHaveLength(3);
    } finally {
      await as.close();
    }
  });

  it("refuses a code the IdP does not honour (token exchange failure) and logs it with the IdP's error code", async () => {
    const lines: string[] = [];
    const as = await startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1"), log: (l) => lines.push(l) });
    try {
      const url = new URL(`${as.issuer}/auth`);
      for (const [k, v] of Object.entries(AUTH_PARAMS)) url.searchParams.set(k, v);
      const browser = new Browser();
      const upstream = await toUpstream(browser, url.href, as.issuer);
      const res = await browser.request(`${as.issuer}/federation/callback?code=forged-code&state=${encodeURIComponent(upstream.searchParams.get("state")!)}&iss=${encodeURIComponent(as.upstreamIssuer)}`);
      expect(res.status).toBe(303);
      const [line] = failed(lines);
      expect(JSON.parse(line!)).toMatchObject({ event: "sign_in_failed", reason: "token_exchange_failed", upstream_error: "invalid_grant", client_id: "claude-code" });
      expect(line).not.toContain("forged-code");
    } finally {
      await as.close();
    }
  });

  it("is still counted once the Lambda handler has written it to the front's log group", async () => {
    expect(produced).toBeDefined();
    const line = produced!;
    const written: string[] = [];
    const handler = createFrontHandler({
      env: { MCP_FRONT_TABLE: "t", MCP_FRONT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:front" },
      readConfig: () => JSON.stringify({ configVersion: 1, plan: { planVersion: 1, name: "crm" } }),
      readSecret: async () => JSON.stringify({ issuer: "https://auth.example.com", signingKey: await signingJwk(), upstream: { issuer: "https://acme.okta.com", clientId: "0oa1" } }),
      dynamo: async () => ({}) as never,
      write: (l) => written.push(l),
      async createListener(ctx) {
        return (_req, res) => {
          ctx.log(line);
          res.end();
        };
      },
    });
    await handler(functionUrlEvent("GET", "/federation/callback", {}));
    expect(written.filter((l) => filterMatches(FRONT_LOG_EVENTS.failedSignIn.pattern, l))).toHaveLength(1);
    expect(written.filter((l) => filterMatches(FRONT_LOG_EVENTS.registration.pattern, l))).toHaveLength(0);
  });
});

async function signingJwk(): Promise<Record<string, unknown>> {
  const { exportJWK, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" };
}

describe("failed sign-ins against an IdP whose ID token is wrong", () => {
  /** A minimal OpenID provider on loopback whose token endpoint answers what the test says. */
  async function fakeIdp(idToken: (claims: { iss: string; nonce: string }) => Promise<string>) {
    const { createServer } = await import("node:http");
    const { exportJWK, generateKeyPair, SignJWT } = await import("jose");
    const good = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(good.publicKey)), kid: "idp", alg: "RS256", use: "sig" };
    let nonce = "";
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", iss);
      const json = (body: unknown, status = 200) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === "/.well-known/openid-configuration") return json({ issuer: iss, authorization_endpoint: `${iss}/authorize`, token_endpoint: `${iss}/token`, jwks_uri: `${iss}/jwks`, response_types_supported: ["code"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["RS256"] });
      if (url.pathname === "/jwks") return json({ keys: [jwk] });
      if (url.pathname === "/token") {
        void idToken({ iss, nonce }).then((t) => json({ access_token: "upstream-access-token", token_type: "Bearer", expires_in: 300, id_token: t }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const iss = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    const sign = (claims: Record<string, unknown>) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "idp" }).setIssuedAt();
      return (claims["exp"] === undefined ? jwt.setExpirationTime("5m") : jwt).sign(good.privateKey);
    };
    /** The same claims signed with a key the IdP does not publish, under the published key's kid. */
    const forge = async (claims: Record<string, unknown>) => {
      const other = await generateKeyPair("RS256");
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "idp" }).setIssuedAt().setExpirationTime("5m").sign(other.privateKey);
    };
    return { iss, setNonce: (n: string) => void (nonce = n), sign, forge, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  async function attempt(token: (idp: Awaited<ReturnType<typeof fakeIdp>>, c: { iss: string; nonce: string }) => Promise<string>): Promise<Record<string, unknown>[]> {
    const { randomBytes } = await import("node:crypto");
    const { createServer } = await import("node:http");
    const { exportJWK, generateKeyPair } = await import("jose");
    const { createFront } = await import("../../components/front/front.js");
    const { createMemoryStore } = await import("../../components/front/store/memory.js");
    let idp: Awaited<ReturnType<typeof fakeIdp>> | undefined;
    idp = await fakeIdp((c) => token(idp!, c));
    const lines: string[] = [];
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const agent = await generateKeyPair("ES256", { extractable: true });
    let handle: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = () => undefined;
    const server = createServer((req, res) => handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const issuer = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    try {
      handle = (
        await createFront({
          plan: devPlan(crmPlan(), "http://127.0.0.1:1"),
          issuer,
          signingKey: { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" },
          cookieKeys: [randomBytes(32).toString("base64url")],
          store: createMemoryStore(),
          upstream: { issuer: idp.iss, clientId: "front", clientSecret: "front-upstream-secret" },
          edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
          clientCredentials: { "nightly-digest": { publicJwk: { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" } } },
          log: (l) => lines.push(l),
        })
      ).handle;
      const url = new URL(`${issuer}/auth`);
      for (const [k, v] of Object.entries(AUTH_PARAMS)) url.searchParams.set(k, v);
      const browser = new Browser();
      const upstream = await toUpstream(browser, url.href, issuer);
      idp.setNonce(upstream.searchParams.get("nonce")!);
      const res = await browser.request(`${issuer}/federation/callback?code=upstream-code&state=${encodeURIComponent(upstream.searchParams.get("state")!)}`);
      expect(res.status).toBe(303);
      const failedLines = lines.filter((l) => filterMatches(FRONT_LOG_EVENTS.failedSignIn.pattern, l));
      for (const l of failedLines) for (const secret of ["upstream-code", "upstream-access-token", "front-upstream-secret", upstream.searchParams.get("nonce")!]) expect(l).not.toContain(secret);
      return failedLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    } finally {
      server.close();
      await idp.close();
    }
  }

  it("logs id_token_invalid for a nonce that is not the one the front sent", async () => {
    const failures = await attempt((idp, c) => idp.sign({ iss: c.iss, aud: "front", sub: "u1", nonce: "not-the-nonce" }));
    expect(failures).toEqual([expect.objectContaining({ event: "sign_in_failed", reason: "id_token_invalid", client_id: "claude-code" })]);
  });

  it("logs id_token_invalid for an ID token for another audience, from another issuer, or expired", async () => {
    expect(await attempt((idp, c) => idp.sign({ iss: c.iss, aud: "someone-else", sub: "u1", nonce: c.nonce }))).toEqual([expect.objectContaining({ reason: "id_token_invalid" })]);
    expect(await attempt((idp, c) => idp.sign({ iss: "https://evil.example", aud: "front", sub: "u1", nonce: c.nonce }))).toEqual([expect.objectContaining({ reason: "id_token_invalid" })]);
    expect(await attempt((idp, c) => idp.sign({ iss: c.iss, aud: "front", sub: "u1", nonce: c.nonce, exp: Math.floor(Date.now() / 1000) - 3600 }))).toEqual([expect.objectContaining({ reason: "id_token_invalid" })]);
  });

  it("logs id_token_invalid for an ID token signed with a key the IdP does not publish", async () => {
    expect(await attempt((idp, c) => idp.forge({ iss: c.iss, aud: "front", sub: "u1", nonce: c.nonce }))).toEqual([expect.objectContaining({ reason: "id_token_invalid" })]);
  });

  it("signs the user in when the ID token is right (the fake IdP is not refusing everything)", async () => {
    expect(await attempt((idp, c) => idp.sign({ iss: c.iss, aud: "front", sub: "u1", nonce: c.nonce }))).toEqual([]);
  });
});

describe("a sign-in the IdP cannot take", () => {
  it("logs upstream_unavailable when the IdP's discovery fails as the sign-in starts", async () => {
    const { randomBytes } = await import("node:crypto");
    const { createServer } = await import("node:http");
    const { exportJWK, generateKeyPair } = await import("jose");
    const { createFront } = await import("../../components/front/front.js");
    const { createMemoryStore } = await import("../../components/front/store/memory.js");
    const down = createServer();
    await new Promise<void>((r) => down.listen(0, "127.0.0.1", () => r()));
    const deadIssuer = `http://127.0.0.1:${(down.address() as import("node:net").AddressInfo).port}`;
    await new Promise<void>((r) => down.close(() => r()));
    const lines: string[] = [];
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const agent = await generateKeyPair("ES256", { extractable: true });
    let handle: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = () => undefined;
    const server = createServer((req, res) => handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const issuer = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    try {
      handle = (
        await createFront({
          plan: devPlan(crmPlan(), "http://127.0.0.1:1"),
          issuer,
          signingKey: { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" },
          cookieKeys: [randomBytes(32).toString("base64url")],
          store: createMemoryStore(),
          upstream: { issuer: deadIssuer, clientId: "front" },
          edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
          clientCredentials: { "nightly-digest": { publicJwk: { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" } } },
          log: (l) => lines.push(l),
        })
      ).handle;
      const url = new URL(`${issuer}/auth`);
      for (const [k, v] of Object.entries(AUTH_PARAMS)) url.searchParams.set(k, v);
      await expect(toUpstream(new Browser(), url.href, issuer)).rejects.toThrow(/without a redirect/);
      const failed = lines.filter((l) => filterMatches(FRONT_LOG_EVENTS.failedSignIn.pattern, l)).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(failed).toEqual([expect.objectContaining({ event: "sign_in_failed", reason: "upstream_unavailable", client_id: "claude-code" })]);
    } finally {
      server.close();
    }
  });
});
