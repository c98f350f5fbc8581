import { beforeAll, describe, expect, it } from "vitest";
import { safeParse } from "zod/v4/core";
import { EdgeConfigSchema } from "../../../lambda/config.js";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { CRM_ARGS, OKTA_MOCKS, ORG, crmDeclarations } from "./fixture.js";

let mocks: MockHarness;
let Okta: typeof import("../../../components/targets/okta/component.js");
let resources: RecordedResource[];
let component: import("../../../components/targets/okta/component.js").OktaMcpAuth;

const T = {
  server: "okta:auth/server:Server",
  scope: "okta:auth/serverScope:ServerScope",
  claim: "okta:auth/serverClaim:ServerClaim",
  policy: "okta:auth/serverPolicy:ServerPolicy",
  rule: "okta:auth/serverPolicyRule:ServerPolicyRule",
  app: "okta:app/oAuth:OAuth",
  assignment: "okta:app/groupAssignment:GroupAssignment",
  origin: "okta:trustedorigin/origin:Origin",
} as const;
const inputs = (name: string) => mocks.byName(name).inputs;

beforeAll(async () => {
  mocks = await installMocks(OKTA_MOCKS);
  Okta = await import("../../../components/targets/okta/component.js");
  component = new Okta.OktaMcpAuth("crm", { declarations: crmDeclarations(), ...CRM_ARGS });
  resources = [...(await mocks.settled())];
});

describe("OktaMcpAuth on the CRM example", () => {
  it("creates exactly the expected resources, each under the component", () => {
    const counts: Record<string, number> = {};
    for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      "pulumi-mcp-auth:okta:McpAuth": 1,
      "pulumi-mcp-auth:okta:McpServer": 2,
      [T.server]: 2,
      [T.scope]: 13 + 4,
      [T.claim]: 2,
      [T.policy]: 3,
      [T.rule]: 1 + 7 + 3,
      [T.app]: 3 + 1,
      [T.assignment]: 2 * 3,
      [T.origin]: 1,
    });
  });

  it("gives each authorization server the canonical resource URI as its single audience", () => {
    expect(mocks.byName("crm-crm", T.server).inputs).toEqual({
      name: "crm crm",
      description: "CRM: https://mcp.example.com/crm. Managed by pulumi-mcp-auth.",
      audiences: ["https://mcp.example.com/crm"],
      issuerMode: "ORG_URL",
      status: "ACTIVE",
    });
    expect(mocks.byName("crm-crm-admin", T.server).inputs.audiences).toEqual(["https://mcp.example.com/crm-admin"]);
  });

  it("publishes only mandatory scopes, asks consent for every scope, marks optional ones and sets no default scope", () => {
    const read = inputs("crm-crm-crm-customers-read");
    expect(read).toMatchObject({ authServerId: "crm-crm-id", name: "crm:customers:read", displayName: "Read customers", description: "Read customer records", consent: "FLEXIBLE", metadataPublish: "ALL_CLIENTS", optional: false, default: false });
    expect(inputs("crm-crm-crm-customers-write")).toMatchObject({ consent: "REQUIRED", metadataPublish: "NO_CLIENTS", optional: true, default: false });
    expect(inputs("crm-crm-crm-customers-delete")).toMatchObject({ consent: "REQUIRED", metadataPublish: "NO_CLIENTS", optional: false });
    expect(inputs("crm-crm-admin-crm-billing-write")).toMatchObject({ authServerId: "crm-crm-admin-id", consent: "REQUIRED", metadataPublish: "NO_CLIENTS" });
    const published = mocks.ofType(T.scope).filter((r) => r.inputs.metadataPublish === "ALL_CLIENTS").map((r) => r.inputs.name).sort();
    expect(published).toEqual(["crm:billing:read", "crm:contacts:read", "crm:customers:read", "crm:deals:read", "crm:notes:read", "crm:settings:read"]);
    expect(mocks.ofType(T.scope).every((r) => r.inputs.default === false)).toBe(true);
  });

  it("lets services request the scopes an agent tier holds (FLEXIBLE: users are still asked) and keeps every other scope REQUIRED", () => {
    const flexible = mocks.ofType(T.scope).filter((r) => r.inputs.consent === "FLEXIBLE").map((r) => `${r.inputs.authServerId} ${r.inputs.name}`).sort();
    // The agent tier holds crm:customers:read, crm:deals:read and crm:notes:write (which implies crm:notes:read) on crm only.
    expect(flexible).toEqual(["crm-crm-id crm:customers:read", "crm-crm-id crm:deals:read", "crm-crm-id crm:notes:read", "crm-crm-id crm:notes:write"]);
    const others = mocks.ofType(T.scope).filter((r) => r.inputs.consent !== "FLEXIBLE");
    expect(others.length).toBe(13);
    expect(others.every((r) => r.inputs.consent === "REQUIRED")).toBe(true);
  });

  it("admits each tier's clients by id in priority order, least-trusted tier first", () => {
    expect(inputs("crm-crm-agent")).toMatchObject({ authServerId: "crm-crm-id", priority: 1, clientWhitelists: ["crm-agent-nightly-digest-cid"], status: "ACTIVE" });
    expect(inputs("crm-crm-verified")).toMatchObject({ priority: 2, clientWhitelists: ["crm-verified-claude-code-cid", "crm-verified-internal-portal-cid"] });
    expect(inputs("crm-crm-admin-verified")).toMatchObject({ priority: 1, clientWhitelists: ["crm-verified-claude-code-cid", "crm-verified-internal-portal-cid"] });
    expect(mocks.ofType(T.policy).some((r) => r.inputs.clientWhitelists.includes("ALL_CLIENTS"))).toBe(false);
  });

  it("chains the verified tier's rules per group with the lifetime of each request's highest level", () => {
    const rules = mocks.ofType(T.rule).filter((r) => r.name.startsWith("crm-crm-verified-r")).map((r) => r.inputs);
    expect(rules.map((r) => [r.priority, r.groupWhitelists, r.accessTokenLifetimeMinutes, r.scopeWhitelists.length])).toEqual([
      [1, ["grp-crm-sales-ops"], 15, 5],
      [2, ["grp-crm-sales"], 15, 2],
      [3, ["grp-crm-admins"], 60, 2],
      [4, ["grp-crm-sales-ops"], 60, 5],
      [5, ["grp-crm-sales"], 60, 9],
      [6, ["grp-crm-sales-ops"], 15, 9],
      [7, ["grp-crm-sales"], 15, 10],
    ]);
    expect(rules[1]).toMatchObject({
      policyId: "crm-crm-verified-id",
      grantTypeWhitelists: ["authorization_code"],
      scopeWhitelists: ["crm:deals:close", "offline_access"],
      refreshTokenLifetimeMinutes: 30 * 1440,
      refreshTokenWindowMinutes: 30 * 1440,
      status: "ACTIVE",
    });
    expect(mocks.ofType(T.rule).some((r) => r.inputs.scopeWhitelists.includes("*"))).toBe(false);
  });

  it("gives critical scopes 5-minute tokens on the admin server and agents 15-minute client-credentials tokens without refresh", () => {
    expect(inputs("crm-crm-admin-verified-r1")).toMatchObject({ accessTokenLifetimeMinutes: 5, scopeWhitelists: ["crm:billing:write", "crm:settings:write"] });
    expect(inputs("crm-crm-admin-verified-r3").accessTokenLifetimeMinutes).toBe(5);
    const agent = inputs("crm-crm-agent-r1");
    expect(agent).toMatchObject({ grantTypeWhitelists: ["client_credentials"], groupWhitelists: ["EVERYONE"], accessTokenLifetimeMinutes: 15, scopeWhitelists: ["crm:customers:read", "crm:deals:read", "crm:notes:read", "crm:notes:write"] });
    expect(agent.refreshTokenLifetimeMinutes).toBeUndefined();
  });

  it("issues no refresh token for a grant holding a critical scope: those rules carry no offline_access and no refresh lifetime", () => {
    const admin = mocks.ofType(T.rule).filter((r) => r.name.startsWith("crm-crm-admin-verified-r")).map((r) => r.inputs);
    const critical = admin.filter((r) => r.scopeWhitelists.some((x: string) => x.endsWith(":write")));
    expect(critical.length).toBeGreaterThan(0);
    for (const r of critical) {
      expect(r.scopeWhitelists).not.toContain("offline_access");
      expect(r.refreshTokenLifetimeMinutes).toBeUndefined();
      expect(r.refreshTokenWindowMinutes).toBeUndefined();
    }
    // Routine-only rules still allow refresh.
    const routine = admin.filter((r) => !r.scopeWhitelists.some((x: string) => x.endsWith(":write")));
    expect(routine.length).toBeGreaterThan(0);
    for (const r of routine) expect(r).toMatchObject({ scopeWhitelists: expect.arrayContaining(["offline_access"]), refreshTokenLifetimeMinutes: expect.any(Number) });
  });

  it("registers public clients with PKCE, exact redirect URIs, no secret and rotating refresh tokens", () => {
    expect(inputs("crm-verified-claude-code")).toEqual({
      label: "crm Claude Code",
      type: "native",
      grantTypes: ["authorization_code", "refresh_token"],
      responseTypes: ["code"],
      redirectUris: ["http://127.0.0.1:33418/callback", "http://localhost:33418/callback"],
      pkceRequired: true,
      tokenEndpointAuthMethod: "none",
      consentMethod: "REQUIRED",
      refreshTokenRotation: "ROTATE",
      omitSecret: true,
    });
    expect(inputs("crm-verified-internal-portal")).toMatchObject({ type: "browser", redirectUris: ["https://portal.example.com/oauth/callback"], pkceRequired: true });
  });

  it("registers the agent as a private_key_jwt service app and the edge's introspection client with a secret", () => {
    expect(inputs("crm-agent-nightly-digest")).toMatchObject({ type: "service", grantTypes: ["client_credentials"], tokenEndpointAuthMethod: "private_key_jwt", jwksUri: "https://agents.example.com/nightly-digest/jwks.json", omitSecret: true, pkceRequired: false });
    expect(inputs("crm-edge-introspection")).toMatchObject({ type: "service", tokenEndpointAuthMethod: "client_secret_basic", omitSecret: false });
  });

  it("looks groups up by their Okta name, assigns them to user-facing apps and trusts the browser origin for CORS", () => {
    expect(mocks.calls.map((c) => c.inputs.name).sort()).toEqual(["CRM Admins", "CRM Sales", "CRM Sales Ops"]);
    expect(mocks.ofType(T.assignment).map((r) => `${r.inputs.appId}→${r.inputs.groupId}`)).toContain("crm-verified-claude-code-id→grp-crm-sales");
    expect(inputs("crm-origin-app.example.com")).toMatchObject({ origin: "https://app.example.com", scopes: [{ type: "CORS" }] });
  });

  it("mints the tenant claim in access tokens and leaves the RFC 8693 act claim alone", () => {
    expect(inputs("crm-crm-claim-tenant")).toMatchObject({ name: "org_id", claimType: "RESOURCE", valueType: "EXPRESSION", value: "user.profile.org_id", alwaysIncludeInToken: true });
    expect(mocks.ofType(T.claim).map((r) => r.inputs.name)).toEqual(["org_id", "org_id"]);
  });

  it("emits Okta's snake_case API values, never the camelCase forms printed in the provider's doc comments", () => {
    const values = [
      ...mocks.ofType(T.rule).flatMap((r) => r.inputs.grantTypeWhitelists as string[]),
      ...mocks.ofType(T.app).flatMap((r) => [...(r.inputs.grantTypes as string[]), r.inputs.tokenEndpointAuthMethod as string]),
    ];
    expect(new Set(values)).toEqual(new Set(["authorization_code", "refresh_token", "client_credentials", "none", "private_key_jwt", "client_secret_basic"]));
  });
});

describe("OktaMcpAuth outputs", () => {
  it("exposes issuer, JWKS URI, admitted client ids and an edge config that the edge's schema accepts", async () => {
    const crm = component.servers.crm!;
    expect(await promiseOf(crm.issuer)).toBe(`${ORG}/oauth2/crm-crm-id`);
    expect(await promiseOf(crm.jwksUri)).toBe(`${ORG}/oauth2/crm-crm-id/v1/keys`);
    expect(await promiseOf(crm.clientIds)).toEqual(["crm-agent-nightly-digest-cid", "crm-verified-claude-code-cid", "crm-verified-internal-portal-cid"]);
    const edge = await promiseOf(crm.edgeConfig);
    expect(safeParse(EdgeConfigSchema, edge).success).toBe(true);
    expect(edge).toMatchObject({ resource: "https://mcp.example.com/crm", authorizationServers: [`${ORG}/oauth2/crm-crm-id`], issuers: [`${ORG}/oauth2/crm-crm-id`], audiences: ["https://mcp.example.com/crm"] });
    expect(edge.introspection).toBeUndefined();
    expect(edge.tokenTypes).toBeUndefined();
  });

  it("points the admin server's edge at Okta introspection for its immediate-revocation scopes", async () => {
    const edge = await promiseOf(component.servers["crm-admin"]!.edgeConfig);
    expect(safeParse(EdgeConfigSchema, edge).success).toBe(true);
    expect(edge.introspection).toEqual({
      endpoint: `${ORG}/oauth2/crm-crm-admin-id/v1/introspect`,
      clientId: "crm-edge-introspection-cid",
      clientSecretEnv: "OKTA_INTROSPECTION_CLIENT_SECRET",
      scopes: ["crm:billing:write", "crm:settings:write"],
      cacheSeconds: 5,
    });
    expect(await promiseOf(component.introspectionClientSecret)).toBe("crm-edge-introspection-secret");
    expect(await promiseOf(component.clientIds["verified/claude-code"]!)).toBe("crm-verified-claude-code-cid");
  });

  it("reports the tiers Okta cannot serve instead of dropping them", () => {
    const ids = component.capabilities.items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(["tier:cimd", "tier:dcr", "dcr", "cimd", "mixed-sensitivity", "immediate-revocation"]));
    expect(component.capabilities.items.find((i) => i.id === "tier:dcr")).toMatchObject({ support: "unsupported" });
  });
});
