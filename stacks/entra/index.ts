/**
 * The CRM example (stacks/crm/mcp-auth.ts) provisioned on Microsoft Entra ID.
 *
 *   cd stacks/entra
 *   pulumi config set azuread:tenantId <tenant GUID>
 *   pulumi config set mcp-auth:verifiedDomains '["example.com"]'          # optional: else looked up
 *   pulumi config set mcp-auth:groupObjectIds '{"sales-reps":"<group object id>"}'   # optional
 *   pulumi up
 *
 * Every key is described in docs/entra.md. What Entra cannot do (DCR, CIMD, per-scope lifetimes,
 * PKCE in discovery, immediate revocation) is in the capability report exported below.
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { EntraMcpAuth, entraCapabilityReport } from "../../components/targets/entra/index.js";
import crm from "../crm/mcp-auth.js";

const azureadConfig = new pulumi.Config("azuread");
const config = new pulumi.Config("mcp-auth");

const plan = compile(crm);
const signInFrequencyState = config.get("signInFrequencyState");
const scopeForm = config.get("scopeForm");
/** The authorization front's callback (`<front issuer>/federation/callback`), when the front is used. */
const frontRedirectUri = config.get("frontRedirectUri");

// Every value is validated by the component (zod); a wrong key fails `pulumi preview` naming it.
const mcpAuth = new EntraMcpAuth("crm", {
  plan,
  tenantId: config.get("tenantId") ?? azureadConfig.get("tenantId"),
  verifiedDomains: config.getObject<string[]>("verifiedDomains"),
  groupObjectIds: config.getObject<Record<string, string>>("groupObjectIds"),
  existingClients: config.getObject<Record<string, string>>("existingClients"),
  assignmentRequired: config.getBoolean("assignmentRequired") ?? false,
  grantAdminConsent: config.getBoolean("grantAdminConsent") ?? false,
  ...(scopeForm ? { scopeForm: scopeForm as "qualified" | "declared" } : {}),
  ...(signInFrequencyState ? { signInFrequency: { state: signInFrequencyState as "enabled" } } : {}),
  owners: config.getObject<string[]>("owners"),
  ...(frontRedirectUri ? { front: { redirectUri: frontRedirectUri } } : {}),
});

/** `https://login.microsoftonline.com/<tenant>/v2.0`: what the edge advertises in `authorization_servers`. */
export const issuer = mcpAuth.issuer;
export const jwksUri = mcpAuth.jwksUri;
/** Per MCP server: application client id (the v2 `aud`), scope aliases, request scopes, token lifetime policy, edge config. */
export const servers = mcpAuth.servers;
/** Pre-registered client ids to hand to users (Entra has no DCR). */
export const clientIds = mcpAuth.clientIds;
/** Feed these to the edge (one per MCP server). */
export const edgeConfigs = mcpAuth.edgeConfigs;
/** What Entra enforces, what the edge enforces, and what cannot work. */
export const capabilities = entraCapabilityReport(plan, mcpAuth.spec);
/** With `mcp-auth:frontRedirectUri`: the client the authorization front signs users in with (its secret stays secret). */
export const frontUpstream = mcpAuth.frontUpstream;
