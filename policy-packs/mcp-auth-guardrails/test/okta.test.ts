import { describe, expect, it } from "vitest";
import { oktaAppOauthExactRedirectUris } from "../src/okta/appOauthExactRedirectUris.js";
import { oktaAppOauthNoRemovedGrants } from "../src/okta/appOauthNoRemovedGrants.js";
import { oktaAppOauthPkceRequired } from "../src/okta/appOauthPkceRequired.js";
import { oktaAuthServerPolicyRuleAccessTokenLifetime } from "../src/okta/authServerPolicyRuleAccessTokenLifetime.js";
import { oktaAuthServerPolicyRuleNoRemovedGrants } from "../src/okta/authServerPolicyRuleNoRemovedGrants.js";
import { oktaAuthServerPolicyRuleNoWildcardScopes } from "../src/okta/authServerPolicyRuleNoWildcardScopes.js";
import { oktaAuthServerScopeNoOmnibus } from "../src/okta/authServerScopeNoOmnibus.js";
import { oktaAuthServerScopeNotDefault } from "../src/okta/authServerScopeNotDefault.js";
import { violations } from "./harness.js";

const SCOPE = "okta:auth/serverScope:ServerScope";
const RULE = "okta:auth/serverPolicyRule:ServerPolicyRule";
const APP = "okta:app/oAuth:OAuth";

const scope = (over: Record<string, unknown> = {}) => ({ type: SCOPE, name: "s", props: { authServerId: "as1", name: "crm:customers:read", consent: "IMPLICIT", default: false, metadataPublish: "NO_CLIENTS", ...over } });
const rule = (over: Record<string, unknown> = {}) => ({
  type: RULE,
  name: "r",
  props: { authServerId: "as1", policyId: "p1", name: "verified-routine", priority: 2, grantTypeWhitelists: ["authorization_code", "refresh_token"], scopeWhitelists: ["crm:customers:read"], accessTokenLifetimeMinutes: 60, ...over },
});
const app = (over: Record<string, unknown> = {}) => ({
  type: APP,
  name: "a",
  props: { label: "Claude Code", type: "native", grantTypes: ["authorization_code", "refresh_token"], pkceRequired: true, redirectUris: ["http://127.0.0.1:33418/callback"], tokenEndpointAuthMethod: "none", ...over },
});

describe("Okta resource policies", () => {
  it("pass the happy-path scope, rule and app", async () => {
    for (const p of [oktaAuthServerScopeNoOmnibus, oktaAuthServerScopeNotDefault]) expect(await violations(p, scope())).toEqual([]);
    for (const p of [oktaAuthServerPolicyRuleNoWildcardScopes, oktaAuthServerPolicyRuleNoRemovedGrants, oktaAuthServerPolicyRuleAccessTokenLifetime]) expect(await violations(p, rule())).toEqual([]);
    for (const p of [oktaAppOauthPkceRequired, oktaAppOauthExactRedirectUris, oktaAppOauthNoRemovedGrants]) expect(await violations(p, app())).toEqual([]);
  });

  it("ignores resources of other types", async () => {
    expect(await violations(oktaAuthServerScopeNoOmnibus, { type: "aws:s3/bucket:Bucket", name: "b", props: { name: "*" } })).toEqual([]);
  });

  it("blocks an omnibus scope name", async () => {
    expect(await violations(oktaAuthServerScopeNoOmnibus, scope({ name: "admin" }))).toEqual([
      "Okta scope 'admin' grants everything; declare one scope per resource and verb (e.g. 'crm:customers:read').",
    ]);
  });

  it("blocks a default scope", async () => {
    expect(await violations(oktaAuthServerScopeNotDefault, scope({ default: true }))).toEqual([
      "Okta scope 'crm:customers:read' is a default scope; set 'default: false' so a client only gets the scopes it asks for.",
    ]);
  });

  it("blocks a rule whitelisting '*'", async () => {
    expect(await violations(oktaAuthServerPolicyRuleNoWildcardScopes, rule({ scopeWhitelists: ["*"] }))).toContain(
      "Okta policy rule 'verified-routine' whitelists '*', which grants every scope; list exactly the scopes the tier may hold.",
    );
  });

  it("blocks a rule with no scope whitelist", async () => {
    expect(await violations(oktaAuthServerPolicyRuleNoWildcardScopes, rule({ scopeWhitelists: [] }))).toEqual([
      "Okta policy rule 'verified-routine' has no scope whitelist, so it matches every scope; list exactly the scopes the tier may hold.",
    ]);
  });

  it("blocks the implicit grant on a rule", async () => {
    expect(await violations(oktaAuthServerPolicyRuleNoRemovedGrants, rule({ grantTypeWhitelists: ["implicit"] }))).toEqual([
      "Okta policy rule 'verified-routine' allows the 'implicit' grant, which OAuth 2.1 removed; use 'authorization_code' with PKCE.",
    ]);
  });

  it("blocks a 120-minute rule and treats an absent lifetime as Okta's 60-minute default", async () => {
    expect(await violations(oktaAuthServerPolicyRuleAccessTokenLifetime, rule({ accessTokenLifetimeMinutes: 120 }))).toEqual([
      "Okta policy rule 'verified-routine' issues 120-minute access tokens; set 'accessTokenLifetimeMinutes' to at most 60.",
    ]);
    expect(await violations(oktaAuthServerPolicyRuleAccessTokenLifetime, rule({ accessTokenLifetimeMinutes: undefined, scopeWhitelists: ["crm:customers:export"] }))).toEqual([
      "Okta policy rule 'verified-routine' issues 60-minute access tokens (Okta's default) but can grant crm:customers:export; set 'accessTokenLifetimeMinutes' to at most 15.",
    ]);
  });

  it("reads the lifetime bounds from the policy config", async () => {
    expect(await violations(oktaAuthServerPolicyRuleAccessTokenLifetime, rule({ accessTokenLifetimeMinutes: 45 }), { maxAccessTokenMinutes: 30 })).toEqual([
      "Okta policy rule 'verified-routine' issues 45-minute access tokens; set 'accessTokenLifetimeMinutes' to at most 30.",
    ]);
  });

  it("blocks an authorization-code app without PKCE", async () => {
    expect(await violations(oktaAppOauthPkceRequired, app({ pkceRequired: false }))).toEqual([
      "Okta app 'Claude Code' uses the authorization-code grant without 'pkceRequired: true'; require PKCE (S256).",
    ]);
  });

  it("blocks wildcard and non-https redirect URIs", async () => {
    expect(await violations(oktaAppOauthExactRedirectUris, app({ redirectUris: ["https://*.example.com/cb"] }))).toEqual([
      "Okta app 'Claude Code' redirect URI 'https://*.example.com/cb' contains a wildcard; register exact https URIs, or loopback http for native clients.",
    ]);
    expect(await violations(oktaAppOauthExactRedirectUris, app({ redirectUris: ["http://portal.example.com/cb"] }))).toEqual([
      "Okta app 'Claude Code' redirect URI 'http://portal.example.com/cb' uses http on a host that is not loopback (127.0.0.1, [::1] or localhost); register exact https URIs, or loopback http for native clients.",
    ]);
    expect(await violations(oktaAppOauthExactRedirectUris, app({ wildcardRedirect: "SUBDOMAIN" }))).toEqual([
      "Okta app 'Claude Code' enables wildcard redirects ('SUBDOMAIN'); set 'wildcardRedirect: \"DISABLED\"' and list exact redirect URIs.",
    ]);
  });

  it("blocks the password grant on an app", async () => {
    expect(await violations(oktaAppOauthNoRemovedGrants, app({ grantTypes: ["password"] }))).toEqual([
      "Okta app 'Claude Code' allows the 'password' grant, which OAuth 2.1 removed; use 'authorization_code' with PKCE.",
    ]);
  });
});

describe("Okta rule whitelists", () => {
  it("may list the OIDC scopes, offline_access included, beside the taxonomy", async () => {
    expect(await violations(oktaAuthServerPolicyRuleNoWildcardScopes, rule({ scopeWhitelists: ["crm:customers:read", "offline_access", "openid"] }))).toEqual([]);
  });
});
