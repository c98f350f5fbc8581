/**
 * The CRM example (stacks/crm/mcp-auth.ts) provisioned on Auth0.
 *
 *   cd stacks/auth0
 *   pulumi config set auth0:domain acme.eu.auth0.com
 *   pulumi config set auth0:clientId <management API M2M client id>
 *   pulumi config set --secret auth0:clientSecret <its secret>
 *   pulumi config set mcp-auth:nightlyDigestPublicKeyPem -- "$(cat nightly-digest.pub.pem)"
 *   pulumi config set mcp-auth:groupsRbac true   # optional: a role per group, RBAC on both APIs
 *   pulumi up
 *
 * Every key is described in docs/auth0.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { Auth0McpAuth } from "../../components/targets/auth0/index.js";
import crm from "../crm/mcp-auth.js";

const auth0Config = new pulumi.Config("auth0");
const config = new pulumi.Config("mcp-auth");

const signingAlg = config.get("signingAlg") || "RS256";
if (signingAlg !== "RS256" && signingAlg !== "PS256") {
  throw new Error(`mcp-auth:signingAlg must be RS256 or PS256, got '${signingAlg}'; run: pulumi config set mcp-auth:signingAlg RS256`);
}
const domainConnection = config.get("domainConnection");
// Group restrictions through Auth0 RBAC (docs/auth0.md "Group restrictions"): `true` creates a role per
// group and enforces RBAC on both APIs; `roles-only` creates the roles without enforcing (assign users
// first); `false` (default) leaves roles and RBAC alone.
const groupsRbac = config.get("groupsRbac") ?? "false";
if (!["true", "false", "roles-only"].includes(groupsRbac)) {
  throw new Error(`mcp-auth:groupsRbac must be true, false or roles-only, got '${groupsRbac}'; run: pulumi config set mcp-auth:groupsRbac true`);
}

/** The authorization front's callback (`<front issuer>/federation/callback`), when the front is used. */
const frontRedirectUri = config.get("frontRedirectUri");

const mcpAuth = new Auth0McpAuth("crm", {
  plan: compile(crm),
  domain: config.get("issuerDomain") || auth0Config.require("domain"),
  signingAlg,
  tenant: { manage: config.getBoolean("manageTenant") ?? false },
  ...(domainConnection ? { domainConnection: { name: domainConnection } } : {}),
  groups: groupsRbac === "false" ? { mode: "off" } : { mode: "rbac", enforce: groupsRbac === "true" },
  clients: {
    // The nightly-digest agent authenticates with private_key_jwt; Auth0 needs its public key.
    agent: { "nightly-digest": { publicKeyPem: config.require("nightlyDigestPublicKeyPem") } },
  },
  ...(frontRedirectUri ? { front: { redirectUri: frontRedirectUri } } : {}),
});

/** `https://<domain>/`, byte-exact: what the edge advertises in `authorization_servers`. */
export const issuer = mcpAuth.issuer;
export const jwksUri = mcpAuth.jwksUri;
/** Per MCP server: API id, lifetime and why, grants, client ids, edge config. */
export const servers = mcpAuth.servers;
export const clientIds = mcpAuth.clientIds;
/** Feed these to the edge (one per MCP server). */
export const edgeConfigs = mcpAuth.edgeConfigs;
/** Tenant-wide settings MCP needs and the manual steps left. */
export const tenantSettings = mcpAuth.tenantSettings;
/** Plan group → Auth0 role name, id and permissions (with mcp-auth:groupsRbac); assign users to these. */
export const roles = mcpAuth.roles;
/** With `mcp-auth:frontRedirectUri`: the client the authorization front signs users in with (its secret stays secret). */
export const frontUpstream = mcpAuth.frontUpstream;
