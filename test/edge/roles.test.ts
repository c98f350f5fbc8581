import { describe, expect, it } from "vitest";
import { parseEdgeConfig, type EdgeConfig } from "../../lambda/config.js";
import { bearer, call, crmConfig, harness, mint, parseChallenge, post, rsaKey } from "./helpers.js";

/** The `roles` config: IdP roles (Entra app roles) granting scopes to app-only tokens and gating delegated ones. */
const key = rsaKey();
const roles: NonNullable<EdgeConfig["roles"]> = {
  grants: {
    "app.crm:customers:read": ["crm:customers:read"],
    "app.crm:customers:write": ["crm:customers:write"],
    "group.sales-ops": ["crm:customers:read", "crm:customers:delete"],
  },
  requireForScopes: ["crm:customers:delete"],
};
const withRoles = (over: Partial<NonNullable<EdgeConfig["roles"]>> = {}) => harness([crmConfig([key], { roles: { ...roles, ...over } })]);
/** An app-only (client-credentials) token: no `scope`/`scp`, `idtyp: "app"`, permissions in `roles`. */
const status = async (edge: ReturnType<typeof harness>["edge"], tool: string, token: string) => (await edge.handle(post(call(tool), bearer(token)))).status;
const appOnly = (claims: Record<string, unknown>) => mint(key, { scope: undefined, idtyp: "app", sub: "agent-sp", client_id: "nightly-digest", ...claims });

describe("roles granting scopes to app-only tokens", () => {
  it("allows an app-only token the tools its roles grant and answers 403 insufficient_scope for the others", async () => {
    const { edge, audit } = withRoles();
    const t = appOnly({ roles: ["app.crm:customers:read"] });
    expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(200);
    expect(audit.at(-1)).toMatchObject({ decision: "allow", user: "agent-sp", client: "nightly-digest" });
    const res = await edge.handle(post(call("delete_customer"), bearer(t)));
    expect(res.status).toBe(403);
    expect(parseChallenge(res.headers.get("www-authenticate")).error).toBe("insufficient_scope");
    expect(audit.at(-1)?.missing).toEqual(["crm:customers:delete"]);
  });

  it("treats a token as app-only only when it carries idtyp=app: a delegated token without scp gets nothing from application roles", async () => {
    const { edge, audit } = withRoles();
    const roles = ["app.crm:customers:read"];
    // A user token issued without scopes (or with the scp claim stripped by a misconfigured app) is not an agent token.
    for (const idtyp of [undefined, "user", "APP", ["app"]]) {
      expect(await status(edge, "list_customers", appOnly({ roles, idtyp })), String(idtyp)).toBe(403);
      expect(audit.at(-1)?.reason).toBe("insufficient_scope");
    }
    expect(await status(edge, "list_customers", appOnly({ roles, idtyp: "app" }))).toBe(200);
  });

  it("does not let an ungated scope bring in a gated scope it implies: the gated one still needs a granting role", async () => {
    // crm:customers:write implies crm:customers:read; here read is gated and write is not.
    const { edge, audit } = withRoles({ requireForScopes: ["crm:customers:read"] });
    const delegated = (r: string[]) => mint(key, { scope: "crm:customers:write", roles: r });
    expect(await status(edge, "list_customers", delegated([]))).toBe(403);
    expect(audit.at(-1)?.missing).toEqual(["crm:customers:read"]);
    // A role granting write grants read by implication, so read counts.
    expect(await status(edge, "list_customers", delegated(["app.crm:customers:write"]))).toBe(200);
    expect(await status(edge, "list_customers", delegated(["app.crm:customers:read"]))).toBe(200);
  });

  it("applies declared implications to the scopes a role grants", async () => {
    const { edge } = withRoles();
    const t = appOnly({ roles: ["app.crm:customers:write"] });
    expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(200);
  });

  it("grants nothing for an unknown role, a prototype key or an empty roles claim", async () => {
    const { edge } = withRoles();
    for (const r of [["app.crm:everything"], ["__proto__", "constructor", "toString"], [], undefined]) {
      const res = await edge.handle(post(call("list_customers"), bearer(appOnly({ roles: r }))));
      expect(res.status, JSON.stringify(r)).toBe(403);
    }
  });

  it("reads the roles from the configured claim only", async () => {
    const { edge } = withRoles({ claim: "app_roles" });
    expect(await status(edge, "list_customers", appOnly({ app_roles: ["app.crm:customers:read"] }))).toBe(200);
    expect(await status(edge, "list_customers", appOnly({ roles: ["app.crm:customers:read"] }))).toBe(403);
  });

  it("answers 401 invalid_token when the roles claim is not an array of strings", async () => {
    const { edge, logs } = withRoles();
    for (const r of ["app.crm:customers:read", ["app.crm:customers:read", 7], { "app.crm:customers:read": true }, null]) {
      const res = await edge.handle(post(call("list_customers"), bearer(appOnly({ roles: r }))));
      expect(res.status, JSON.stringify(r)).toBe(401);
      expect(parseChallenge(res.headers.get("www-authenticate")).error).toBe("invalid_token");
      expect(logs.at(-1)?.reason).toBe("claim_type_invalid");
    }
  });
});

describe("roles gating delegated scopes (group restrictions)", () => {
  const scope = "crm:customers:read crm:customers:delete";

  it("refuses a gated scope to a delegated token whose roles do not grant it, and allows it with the role", async () => {
    const { edge, audit } = withRoles();
    const without = await edge.handle(post(call("delete_customer"), bearer(mint(key, { scope }))));
    expect(without.status).toBe(403);
    expect(audit.at(-1)?.missing).toEqual(["crm:customers:delete"]);
    expect(await status(edge, "delete_customer", mint(key, { scope, roles: ["app.crm:customers:read"] }))).toBe(403);
    expect(await status(edge, "delete_customer", mint(key, { scope, roles: ["group.sales-ops"] }))).toBe(200);
  });

  it("keeps ungated delegated scopes without any role, and never adds a role's scopes the token was not issued", async () => {
    const { edge } = withRoles();
    expect(await status(edge, "list_customers", mint(key, { scope }))).toBe(200);
    // A delegated token holds only its consented scopes: the role gates, it does not grant.
    const res = await edge.handle(post(call("delete_customer"), bearer(mint(key, { scope: "crm:customers:read", roles: ["group.sales-ops"] }))));
    expect(res.status).toBe(403);
  });

  it("ignores the roles claim entirely when the config has no roles (Okta, Auth0 unchanged)", async () => {
    const { edge } = harness([crmConfig([key])]);
    expect(await status(edge, "list_customers", appOnly({ roles: ["app.crm:customers:read"] }))).toBe(403);
    expect(await status(edge, "delete_customer", mint(key, { scope, roles: "not-an-array" }))).toBe(200);
  });
});

describe("roles config validation", () => {
  it("refuses a malformed roles section at cold start, naming the field", () => {
    const base = crmConfig([key]);
    expect(() => parseEdgeConfig({ ...base, roles: { grants: { "app.x": "crm:customers:read" } } })).toThrow(/roles\.grants\.app\.x/);
    expect(() => parseEdgeConfig({ ...base, roles: { grants: {}, claim: "" } })).toThrow(/roles\.claim: must not be empty/);
    expect(() => parseEdgeConfig({ ...base, roles: { grants: {}, requireScopes: [] } })).toThrow(/roles/);
    expect(parseEdgeConfig({ ...base, roles }).roles).toEqual(roles);
  });
});
