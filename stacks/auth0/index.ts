/**
 * The CRM example (stacks/crm/mcp-auth.ts) provisioned on Auth0.
 *
 *   cd stacks/auth0
 *   pulumi config set auth0:domain acme.eu.auth0.com
 *   pulumi config set auth0:clientId <management API M2M client id>
 *   pulumi config set --secret auth0:clientSecret <its secret>
 *   pulumi config set mcp-auth:nightlyDigestPublicKeyPem -- "$(cat nightly-digest.pub.pem)"
 *   pulumi up
 *
 * Every key is described in docs/auth0.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { McpAuthAuth0 } from "../../components/targets/auth0/index.js";
import crm from "../crm/mcp-auth.js";

const auth0Config = new pulumi.Config("auth0");
const config = new pulumi.Config("mcp-auth");

const signingAlg = config.get("signingAlg") || "RS256";
if (signingAlg !== "RS256" && signingAlg !== "PS256") {
  throw new Error(`mcp-auth:signingAlg must be RS256 or PS256, got '${signingAlg}'; run: pulumi config set mcp-auth:signingAlg RS256`);
}
const domainConnection = config.get("domainConnection");

const mcpAuth = new McpAuthAuth0("crm", {
  plan: compile(crm),
  domain: config.get("issuerDomain") || auth0Config.require("domain"),
  signingAlg,
  tenant: { manage: config.getBoolean("manageTenant") ?? false },
  ...(domainConnection ? { domainConnection: { name: domainConnection } } : {}),
  clients: {
    // The nightly-digest agent authenticates with private_key_jwt; Auth0 needs its public key.
    agent: { "nightly-digest": { publicKeyPem: config.require("nightlyDigestPublicKeyPem") } },
  },
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
