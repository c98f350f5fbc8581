/**
 * The CRM example on Okta: one custom authorization server per MCP server, with its scopes,
 * per-tier access policies and rule chains, the pre-registered apps and the edge's introspection
 * client. Copy this directory into a platform repository, point `declarations` at your own, and import
 * from the package's entry points (`pulumi-mcp-auth`, `pulumi-mcp-auth/okta`) instead of `../../components/…`.
 *
 *   pulumi config set okta:orgName dev-123456
 *   pulumi config set okta:baseUrl okta.com
 *   pulumi config set --secret okta:apiToken <token>
 *   pulumi config set --path 'mcp-auth:clientJwksUris["agent/nightly-digest"]' https://agents.example.com/jwks.json
 *   pulumi up
 *
 * Every key is described in docs/okta.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/plan/compile.js";
import { OktaMcpAuth } from "../../components/targets/okta/index.js";
import declarations from "../crm/mcp-auth.js";

const config = new pulumi.Config("mcp-auth");
/** The authorization front's callback (`<front issuer>/federation/callback`), when the front is used. */
const frontRedirectUri = config.get("frontRedirectUri");

const auth = new OktaMcpAuth("crm", {
  plan: compile(declarations),
  // Everything below is validated by the component; a wrong key fails `pulumi preview` with the field named.
  clientJwksUris: config.getObject<Record<string, string>>("clientJwksUris"),
  groupIds: config.getObject<Record<string, string>>("groupIds"),
  externalClients: config.getObject<Record<string, string[]>>("externalClients"),
  claimExpressions: config.getObject<{ tenant?: string; agent?: string }>("claimExpressions"),
  issuerMode: config.get("issuerMode"),
  introspectionSecretEnv: config.get("introspectionSecretEnv"),
  namePrefix: config.get("namePrefix"),
  ...(frontRedirectUri ? { front: { redirectUri: frontRedirectUri } } : {}),
});

/** Per MCP server: what the edge and the MCP clients need. */
export const servers = Object.fromEntries(
  Object.entries(auth.servers).map(([name, s]) => [name, { issuer: s.issuer, jwksUri: s.jwksUri, clientIds: s.clientIds, edgeConfig: s.edgeConfig }]),
);
/** Client id per pre-registered client (`<tier>/<client>`). */
export const clientIds = auth.clientIds;
export const introspectionClientId = auth.introspectionClientId;
/** Secret: give it to the edge in the environment variable named by `mcp-auth:introspectionSecretEnv`. */
export const introspectionClientSecret = auth.introspectionClientSecret;
/** What Okta enforces for this plan and what is left to the edge. */
export const capabilities = auth.capabilities.items.map((c) => `${c.support}: ${c.policy}`);
/** With `mcp-auth:frontRedirectUri`: the client the authorization front signs users in with (its secret stays secret). */
export const frontUpstream = auth.frontUpstream;
