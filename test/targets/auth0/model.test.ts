import { describe, expect, it } from "vitest";
import {
  Auth0TargetError,
  apiTokenLifetime,
  buildAuth0Model,
  parseAuth0Args,
  scopesWithinCap,
  type Auth0Model,
} from "../../../components/targets/auth0/index.js";
import { sensitivityRank } from "../../../components/model/sensitivity.js";
import { AGENT_PUBLIC_KEY_PEM, crmArgs, crmPlan, crmVariant, DOMAIN } from "./fixtures.js";

const model = (over = {}): Auth0Model => buildAuth0Model(parseAuth0Args(crmArgs(over)));
const server = (m: Auth0Model, name: string) => m.servers.find((s) => s.name === name)!;
const grant = (m: Auth0Model, srv: string, key: string) => server(m, srv).grants.find((g) => g.key === key);

describe("Auth0 API per MCP server", () => {
  it("uses the canonical resource URI as identifier, RS256 and the RFC 9068 dialect", () => {
    const crm = server(model(), "crm").resourceServer;
    expect(crm.identifier).toBe("https://mcp.example.com/crm");
    expect(crm.signingAlg).toBe("RS256");
    expect(crm.tokenDialect).toBe("rfc9068_profile");
  });

  it("gives crm (routine + high scopes) 15-minute tokens set by a high scope, and crm-admin 5-minute tokens", () => {
    const m = model();
    expect(server(m, "crm").resourceServer.tokenLifetime).toBe(900);
    expect(server(m, "crm").resourceServer.tokenLifetimeForWeb).toBe(900);
    expect(server(m, "crm").lifetime.drivenBy).toMatchObject({ sensitivity: "high", minutes: 15, tier: null });
    expect(server(m, "crm").lifetime.shortened).toEqual(["routine"]);
    expect(server(m, "crm-admin").resourceServer.tokenLifetime).toBe(300);
    expect(server(m, "crm-admin").lifetime.drivenBy).toMatchObject({ sensitivity: "critical", minutes: 5 });
  });

  it("lets a tier's own shorter limit shorten the whole API (fail closed)", () => {
    const plan = crmVariant((d) => {
      d.tiers!.agent!.tokens = { accessTokenMinutes: { routine: 10 } };
    });
    const decision = apiTokenLifetime(plan, plan.servers.find((s) => s.name === "crm")!);
    expect(decision.seconds).toBe(600);
    expect(decision.drivenBy).toMatchObject({ tier: "agent", sensitivity: "routine", minutes: 10 });
  });

  it("gives a routine-only server its routine lifetime and still shows consent to first-party clients", () => {
    const plan = crmVariant((d) => {
      d.servers = d.servers.filter((s) => s.name === "crm-admin").map((s) => ({ ...s, tools: { get_settings: { scopes: ["crm:settings:read"] } } }));
    });
    const m = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan }));
    expect(m.servers[0]!.resourceServer.tokenLifetime).toBe(3600);
    expect(m.servers[0]!.resourceServer.skipConsentForVerifiableFirstPartyClients).toBe(false);
  });

  it("keeps the consent screen for first-party clients on every API", () => {
    const m = model();
    expect(server(m, "crm").resourceServer.skipConsentForVerifiableFirstPartyClients).toBe(false);
    expect(server(m, "crm-admin").resourceServer.skipConsentForVerifiableFirstPartyClients).toBe(false);
  });

  it("requires a client grant for user access and denies client-credentials access where no agent holds scopes", () => {
    const m = model();
    expect(server(m, "crm").resourceServer.subjectTypeAuthorization).toEqual({ user: { policy: "require_client_grant" }, client: { policy: "require_client_grant" } });
    expect(server(m, "crm-admin").resourceServer.subjectTypeAuthorization).toEqual({ user: { policy: "require_client_grant" }, client: { policy: "deny_all" } });
  });

  it("allows offline access only where a tier that declares refresh_token holds scopes", () => {
    expect(server(model(), "crm").resourceServer.allowOfflineAccess).toBe(true);
    const plan = crmVariant((d) => {
      for (const t of Object.values(d.tiers!)) t.grantTypes = t.grantTypes.filter((g) => g !== "refresh_token");
    });
    const m = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan }));
    expect(m.servers.map((s) => s.resourceServer.allowOfflineAccess)).toEqual([false, false]);
    expect(m.clients.every((c) => c.refreshToken === undefined)).toBe(true);
  });

  it("allows no offline access on an API where a tier that refreshes may hold a critical scope", () => {
    // crm-admin: the verified tier (authorization_code + refresh_token) holds crm:settings:write and crm:billing:write.
    expect(server(model(), "crm-admin").resourceServer.allowOfflineAccess).toBe(false);
    expect(server(model(), "crm").resourceServer.allowOfflineAccess).toBe(true);
    const plan = crmVariant((d) => {
      d.scopes!["crm:deals:close"]!.sensitivity = "critical";
    });
    const m = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan }));
    // The verified tier (refresh) holds crm:deals:close on crm.
    expect(server(m, "crm").resourceServer.allowOfflineAccess).toBe(false);
  });

  it("lists every scope of the server with its description for the consent screen", () => {
    const scopes = server(model(), "crm-admin").scopes;
    expect(scopes).toEqual([
      { name: "crm:billing:read", description: "Read invoices and the billing plan" },
      { name: "crm:billing:write", description: "Change the billing plan and payment method" },
      { name: "crm:settings:read", description: "Read organisation settings" },
      { name: "crm:settings:write", description: "Change organisation settings" },
    ]);
  });
});

describe("client grants per tier", () => {
  it("grants each verified client exactly its tier's scopes per server, as user grants", () => {
    const m = model();
    const plan = crmPlan();
    for (const srv of plan.servers) {
      const verified = srv.access.find((a) => a.tier === "verified")!.scopes;
      for (const client of ["claude-code", "internal-portal"]) {
        expect(grant(m, srv.name, `verified.${client}.user`)).toMatchObject({ subjectType: "user", scopes: verified, target: { kind: "client", clientKey: `verified.${client}` } });
      }
    }
    expect(grant(m, "crm-admin", "verified.claude-code.user")!.scopes).toContain("crm:settings:write");
  });

  it("grants the agent only its allowlist on crm, with subject type client, and nothing on crm-admin", () => {
    const m = model();
    expect(grant(m, "crm", "agent.nightly-digest.client")).toMatchObject({
      subjectType: "client",
      scopes: ["crm:customers:read", "crm:deals:read", "crm:notes:read", "crm:notes:write"],
    });
    expect(grant(m, "crm-admin", "agent.nightly-digest.client")).toBeUndefined();
    expect(grant(m, "crm", "agent.nightly-digest.user")).toBeUndefined();
  });

  it("gives third-party clients one default grant holding only the scopes every DCR and CIMD tier may hold", () => {
    const m = model();
    const d = grant(m, "crm", "third-party-default")!;
    expect(d.target).toEqual({ kind: "third-party-default", tiers: ["cimd", "dcr"] });
    expect(d.subjectType).toBe("user");
    expect(d.scopes).toEqual(crmPlan().servers[0]!.access.find((a) => a.tier === "dcr")!.scopes);
    expect(grant(m, "crm-admin", "third-party-default")!.scopes).toEqual(["crm:billing:read", "crm:settings:read"]);
  });

  it("never gives a DCR tier a grant containing a scope above its cap, on any server", () => {
    // The CRM example and a variant where the CIMD tier may hold high scopes and also has a client.
    const variants = [
      crmPlan(),
      crmVariant((d) => {
        d.tiers!.dcr!.maxSensitivity = "routine";
        d.tiers!.cimd!.maxSensitivity = "high";
        d.tiers!.cimd!.clients = [{ name: "vscode", metadataDocumentUrl: "https://vscode.dev/oauth/client-metadata.json" }];
      }),
    ];
    for (const plan of variants) {
      const m = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan }));
      const dcr = plan.tiers.find((t) => t.registration === "dcr")!;
      const rank = new Map(plan.scopes.map((s) => [s.name, sensitivityRank(s.sensitivity)]));
      const dcrGrants = m.servers.flatMap((s) => s.grants.filter((g) => g.target.kind === "third-party-default"));
      expect(dcrGrants.length).toBeGreaterThan(0);
      for (const g of dcrGrants) {
        for (const scope of g.scopes) expect(rank.get(scope), scope).toBeLessThanOrEqual(sensitivityRank(dcr.maxSensitivity));
        expect(g.scopes.every((s) => scopesWithinCap(plan, dcr).has(s))).toBe(true);
      }
    }
  });

  it("gives a declared CIMD client its tier's high scopes while undeclared ones keep the default grant", () => {
    const plan = crmVariant((d) => {
      d.tiers!.cimd!.clients = [{ name: "vscode", metadataDocumentUrl: "https://vscode.dev/oauth/client-metadata.json" }];
    });
    const m = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan }));
    const access = (tier: string) => plan.servers[0]!.access.find((a) => a.tier === tier)!.scopes;
    const highOnlyForCimd = access("cimd").filter((s) => !access("dcr").includes(s));
    expect(highOnlyForCimd.length).toBeGreaterThan(0);
    expect(grant(m, "crm", "cimd.vscode.user")!.scopes).toEqual(access("cimd"));
    for (const s of highOnlyForCimd) expect(grant(m, "crm", "third-party-default")!.scopes).not.toContain(s);
    expect(m.clients.find((c) => c.key === "cimd.vscode")).toMatchObject({ kind: "cimd", isFirstParty: false, externalClientId: "https://vscode.dev/oauth/client-metadata.json" });
  });
});

describe("clients", () => {
  it("registers verified clients first-party with exact callbacks and no client secret", () => {
    const m = model();
    expect(m.clients.find((c) => c.key === "verified.claude-code")).toMatchObject({
      kind: "client",
      appType: "native",
      isFirstParty: true,
      grantTypes: ["authorization_code", "refresh_token"],
      callbacks: ["http://127.0.0.1:33418/callback", "http://localhost:33418/callback"],
      authMethod: "none",
      refreshToken: { rotationType: "rotating", expirationType: "expiring", tokenLifetime: 30 * 86400, idleTokenLifetime: 30 * 86400 },
    });
    expect(m.clients.find((c) => c.key === "verified.internal-portal")!.appType).toBe("spa");
  });

  it("registers the agent as a non-interactive client-credentials client using private_key_jwt", () => {
    expect(model().clients.find((c) => c.key === "agent.nightly-digest")).toMatchObject({
      appType: "non_interactive",
      isFirstParty: true,
      grantTypes: ["client_credentials"],
      authMethod: "private_key_jwt",
    });
  });
});

describe("tenant settings and outputs", () => {
  it("derives the issuer with Auth0's trailing slash and the JWKS URI from the domain", () => {
    const m = model();
    expect(m.issuer).toBe(`https://${DOMAIN}/`);
    expect(m.jwksUri).toBe(`https://${DOMAIN}/.well-known/jwks.json`);
  });

  it("asks for the compatibility profile, DCR and CIMD only because the plan has those tiers", () => {
    expect(model().tenant).toMatchObject({
      managed: false,
      resourceParameterProfile: "compatibility",
      enableDynamicClientRegistration: true,
      clientIdMetadataDocumentSupported: true,
      useScopeDescriptionsForConsent: true,
      defaultAudience: "",
    });
    const plan = crmVariant((d) => {
      delete d.tiers!.dcr;
      delete d.tiers!.cimd;
    });
    const t = buildAuth0Model(parseAuth0Args({ ...crmArgs(), plan })).tenant;
    expect(t.enableDynamicClientRegistration).toBe(false);
    expect(t.clientIdMetadataDocumentSupported).toBe(false);
  });

  it("lists the manual tenant steps when it does not manage the tenant, and always the empty default audience and the issuer in authorization responses", () => {
    const unmanaged = model().tenant.manualSteps.join("\n");
    expect(unmanaged).toMatch(/compatibility/);
    expect(unmanaged).toMatch(/Default Audience empty/);
    expect(unmanaged).toMatch(/domain level/);
    expect(unmanaged).toMatch(/Include Issuer in Authorization Responses/);
    const managed = model({ tenant: { manage: true }, domainConnection: { name: "mcp-users" } }).tenant.manualSteps;
    expect(managed).toHaveLength(2);
    expect(managed[0]).toMatch(/Default Audience empty/);
    expect(managed[1]).toMatch(/Include Issuer in Authorization Responses.*RFC 9207/);
  });
});

describe("argument validation", () => {
  const issues = (args: unknown) => {
    try {
      parseAuth0Args(args);
    } catch (e) {
      expect(e).toBeInstanceOf(Auth0TargetError);
      return (e as Auth0TargetError).issues;
    }
    throw new Error("expected parseAuth0Args to throw");
  };

  it("rejects a domain given as a URL, naming the field and the expected form", () => {
    expect(issues({ ...crmArgs(), domain: "https://acme.eu.auth0.com/" })).toEqual([
      { path: "args.domain", message: expect.stringMatching(/bare Auth0 domain.*no https:\/\//) },
    ]);
  });

  it("names a missing domain and a misspelt option", () => {
    const { domain: _omitted, ...rest } = crmArgs();
    expect(issues({ ...rest, tenent: { manage: true } })).toEqual([
      { path: "args.domain", message: "required; expected string" },
      { path: "args", message: "unknown key 'tenent'; remove or check the spelling" },
    ]);
  });

  it("rejects HS256 because the edge verifies with JWKS", () => {
    expect(issues({ ...crmArgs(), signingAlg: "HS256" })[0]).toMatchObject({ path: "args.signingAlg", message: expect.stringMatching(/HS256 is not allowed/) });
  });

  it("requires the public key of a private_key_jwt client", () => {
    expect(issues({ ...crmArgs(), clients: {} })).toEqual([
      { path: "args.clients.agent.nightly-digest.publicKeyPem", message: expect.stringMatching(/private_key_jwt.*PEM/) },
    ]);
  });

  it("names unknown tiers and clients in per-client settings", () => {
    const found = issues({ ...crmArgs(), clients: { agent: { "nightly-digest": { publicKeyPem: AGENT_PUBLIC_KEY_PEM }, ghost: {} }, nope: {} } });
    expect(found.map((i) => i.path)).toEqual(["args.clients.agent.ghost", "args.clients.nope"]);
  });

  it("rejects an app type that does not fit the tier and says which fits", () => {
    const found = issues({ ...crmArgs(), clients: { agent: { "nightly-digest": { publicKeyPem: AGENT_PUBLIC_KEY_PEM } }, verified: { "claude-code": { appType: "regular_web" } } } });
    expect(found).toEqual([{ path: "args.clients.verified.claude-code.appType", message: expect.stringMatching(/use native or spa/) }]);
  });

  it("rejects a plan that fails the plan schema, pointing into the plan", () => {
    const plan = { ...crmPlan(), planVersion: 2 };
    expect(issues({ ...crmArgs(), plan })[0]!.path).toBe("args.plan.planVersion");
  });

  it("rejects a CIMD client whose document lives outside the tier's allowed domains", () => {
    const plan = crmVariant((d) => {
      d.tiers!.cimd!.clients = [{ name: "evil", metadataDocumentUrl: "https://evil.example/client.json" }];
    });
    expect(issues({ ...crmArgs(), plan })).toEqual([{ path: 'plan.tiers["cimd"].clients[0].metadataDocumentUrl', message: expect.stringMatching(/allowedDomains/) }]);
  });
});
