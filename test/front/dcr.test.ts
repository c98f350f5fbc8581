import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRegistrations } from "../../components/front/store/dynamodb.js";
import { createDcrGuard, type DcrDenyList } from "../../components/front/registration/dcr.js";
import { crmPlan, tierOf } from "./registration-helpers.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";

const plan = crmPlan();
const tier = tierOf(plan, "dcr");
const NOW = 1_800_000_010_000;
let fx: DynamoFixture;
beforeAll(async () => {
  fx = await dynamoFixture();
});
afterAll(async () => {
  await fx.close();
});

async function setup(denyList?: DcrDenyList) {
  const t = await fx.table(() => NOW);
  const guard = createDcrGuard({ tier, store: t.store, plan, now: () => NOW, ...(denyList ? { denyList } : {}) });
  const registrations = () => listRegistrations(fx.client, t.tableName, NOW / 1000);
  const clientsStored = async () => (await t.scanKeys()).filter((k) => k.startsWith("oidc#Client#"));
  return { ...t, guard, registrations, clientsStored };
}

const good = {
  client_name: "Some MCP client",
  redirect_uris: ["http://127.0.0.1:53100/callback"],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "none",
  software_id: "example-mcp-client",
};

describe("dynamic client registration guard: accepted", () => {
  it("returns metadata capped to the DCR tier; the attempt is recorded with the client id once it is issued", async () => {
    const { guard, registrations } = await setup();
    const verdict = await guard.check({ sourceIp: "198.51.100.7", metadata: { ...good, logo_uri: "https://x.example/l.png", scope: "crm:customers:read offline_access", client_secret: "chosen" } });
    expect(verdict).toEqual({
      ok: true,
      metadata: {
        client_name: "Some MCP client",
        redirect_uris: ["http://127.0.0.1:53100/callback"],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
        software_id: "example-mcp-client",
        scope: "crm:customers:read offline_access",
      },
      signals: { softwareId: "example-mcp-client", redirectHosts: ["127.0.0.1"] },
    });
    // Nothing is recorded before oidc-provider has issued the client: the record names its id.
    expect(await registrations()).toEqual([]);
    if (!verdict.ok) throw new Error("expected an accepted registration");
    await guard.recordOutcome({ sourceIp: "::ffff:198.51.100.7", signals: verdict.signals, clientId: "issued-client-id" });
    expect(await registrations()).toEqual([{ clientId: "issued-client-id", via: "dcr", at: NOW / 1000, sourceIp: "198.51.100.7", softwareId: "example-mcp-client", redirectHosts: ["127.0.0.1"], accepted: true }]);
  });

  it("records a request oidc-provider refused after the guard let it through, as refused and without a client id", async () => {
    const { guard, registrations } = await setup();
    const verdict = await guard.check({ sourceIp: "198.51.100.8", metadata: good });
    if (!verdict.ok) throw new Error("expected an accepted registration");
    await guard.recordOutcome({ sourceIp: "198.51.100.8", signals: verdict.signals, refused: "invalid_client_metadata: something oidc-provider disliked" });
    expect(await registrations()).toEqual([expect.objectContaining({ clientId: "", accepted: false, reason: "invalid_client_metadata: something oidc-provider disliked" })]);
  });

  it("fills the tier's auth method when the client names none", async () => {
    const { guard } = await setup();
    const { token_endpoint_auth_method: _omit, ...rest } = good;
    const verdict = await guard.check({ sourceIp: "198.51.100.7", metadata: rest });
    expect(verdict).toMatchObject({ ok: true, metadata: { token_endpoint_auth_method: "none" } });
  });
});

describe("dynamic client registration guard: abuse refused, nothing stored", () => {
  it("answers 429 with Retry-After once a source exceeds the tier's rate, other sources unaffected", async () => {
    const { guard, registrations, clientsStored } = await setup();
    const verdicts = [];
    for (let i = 0; i < tier.registrationRateLimitPerMinute + 3; i++) verdicts.push(await guard.check({ sourceIp: "203.0.113.66", metadata: good }));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(tier.registrationRateLimitPerMinute);
    const refused = verdicts.filter((v) => !v.ok);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({ ok: false, status: 429, error: "too_many_requests", retryAfter: 50, description: expect.stringMatching(/limited to 10 per minute per source/) });
    expect(await guard.check({ sourceIp: "198.51.100.1", metadata: good })).toMatchObject({ ok: true });
    const recs = await registrations();
    expect(recs.filter((r) => !r.accepted)).toHaveLength(3);
    expect(recs.filter((r) => !r.accepted)[0]).toMatchObject({ sourceIp: "203.0.113.66", reason: expect.stringMatching(/^too_many_requests/) });
    expect(await clientsStored()).toEqual([]);
  });

  it("refuses a higher tier's auth method", async () => {
    const { guard, clientsStored } = await setup();
    for (const method of ["private_key_jwt", "client_secret_basic", "client_secret_post"]) {
      const v = await guard.check({ sourceIp: "198.51.100.2", metadata: { ...good, token_endpoint_auth_method: method } });
      expect(v).toMatchObject({ ok: false, status: 400, error: "invalid_client_metadata", description: expect.stringContaining(`'${method}' is not allowed for tier 'dcr'`) });
    }
    expect(await clientsStored()).toEqual([]);
  });

  it("refuses a higher tier's grant types", async () => {
    const { guard } = await setup();
    const v = await guard.check({ sourceIp: "198.51.100.2", metadata: { ...good, grant_types: ["client_credentials"] } });
    expect(v).toMatchObject({ ok: false, status: 400, error: "invalid_client_metadata", description: expect.stringMatching(/client_credentials are not allowed/) });
    const implicit = await guard.check({ sourceIp: "198.51.100.2", metadata: { ...good, response_types: ["token"] } });
    expect(implicit).toMatchObject({ ok: false, error: "invalid_client_metadata" });
  });

  it("refuses scopes above the tier's sensitivity and names them", async () => {
    const { guard, registrations } = await setup();
    const v = await guard.check({ sourceIp: "198.51.100.3", metadata: { ...good, scope: "crm:customers:read crm:customers:delete crm:billing:write" } });
    expect(v).toMatchObject({ ok: false, status: 400, error: "invalid_client_metadata", description: expect.stringMatching(/crm:customers:delete, crm:billing:write is beyond/) });
    expect((await registrations())[0]).toMatchObject({ accepted: false, softwareId: "example-mcp-client" });
  });

  it("refuses redirect URIs outside the tier's allow-list, with invalid_redirect_uri", async () => {
    const { guard, registrations } = await setup();
    for (const uri of ["https://attacker.example/callback", "http://127.0.0.1:53100/other", "http://evil.example/callback", "http://127.0.0.1/callback#frag"]) {
      const v = await guard.check({ sourceIp: "198.51.100.4", metadata: { ...good, redirect_uris: [uri] } });
      expect(v, uri).toMatchObject({ ok: false, status: 400, error: "invalid_redirect_uri" });
    }
    expect((await registrations()).map((r) => r.redirectHosts[0])).toContain("attacker.example");
  });

  it("refuses denied software ids, redirect hosts (and hosts below them) and source blocks with invalid_client_metadata", async () => {
    const { guard, clientsStored } = await setup({ softwareIds: ["bad-client"], redirectHosts: ["LOCALHOST", "evil.example"], sourceCidrs: ["192.0.2.0/24", "2001:db8::/32", "198.51.100.99"] });
    expect(await guard.check({ sourceIp: "198.51.100.5", metadata: { ...good, software_id: "bad-client" } })).toMatchObject({ ok: false, error: "invalid_client_metadata", description: "registration refused: software_id 'bad-client' is on the deny list" });
    expect(await guard.check({ sourceIp: "198.51.100.5", metadata: { ...good, redirect_uris: ["http://localhost/callback"] } })).toMatchObject({ ok: false, error: "invalid_client_metadata", description: expect.stringMatching(/redirect host 'localhost' is on the deny list/) });
    expect(await guard.check({ sourceIp: "198.51.100.5", metadata: { ...good, redirect_uris: ["https://app.evil.example/cb"] } })).toMatchObject({ ok: false, description: expect.stringMatching(/redirect host 'app.evil.example' is on the deny list/) });
    expect(await guard.check({ sourceIp: "198.51.100.5", metadata: { ...good, redirect_uris: ["https://notevil.example/cb"] } })).toMatchObject({ ok: false, error: "invalid_redirect_uri" });
    expect(await guard.check({ sourceIp: "192.0.2.77", metadata: good })).toMatchObject({ ok: false, error: "invalid_client_metadata", description: expect.stringMatching(/source address is on the deny list/) });
    expect(await guard.check({ sourceIp: "::ffff:192.0.2.78", metadata: good })).toMatchObject({ ok: false, description: expect.stringMatching(/source address/) });
    expect(await guard.check({ sourceIp: "2001:db8::9", metadata: good })).toMatchObject({ ok: false });
    expect(await guard.check({ sourceIp: "198.51.100.99", metadata: good })).toMatchObject({ ok: false });
    expect(await guard.check({ sourceIp: "198.51.100.5", metadata: good })).toMatchObject({ ok: true });
    expect(await clientsStored()).toEqual([]);
  });

  it("refuses software statements and malformed bodies", async () => {
    const { guard } = await setup();
    expect(await guard.check({ sourceIp: "198.51.100.6", metadata: { ...good, software_statement: "eyJ..." } })).toMatchObject({ ok: false, error: "invalid_software_statement" });
    expect(await guard.check({ sourceIp: "198.51.100.6", metadata: [good] })).toMatchObject({ ok: false, error: "invalid_client_metadata" });
    expect(await guard.check({ sourceIp: "198.51.100.6", metadata: { ...good, redirect_uris: "http://127.0.0.1/callback" } })).toMatchObject({ ok: false, error: "invalid_client_metadata", description: expect.stringMatching(/redirect_uris/) });
  });

  it("rejects a malformed deny list at start-up, naming the entry", () => {
    expect(() => createDcrGuard({ tier, store: {} as never, denyList: { sourceCidrs: ["10.0.0.0/40"] } })).toThrow(/dcrDenyList\.sourceCidrs\.0/);
    expect(() => createDcrGuard({ tier, store: {} as never, denyList: { sourceCidrs: ["10.0.0.0/"] } })).toThrow(/dcrDenyList\.sourceCidrs\.0/);
  });
});
