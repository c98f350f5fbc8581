/**
 * The CRM example with the authorization front on AWS, federating sign-in to Microsoft Entra ID:
 * the front gives MCP clients what Entra lacks (CIMD, DCR, the RFC 8707 resource parameter,
 * per-action approval) while users, MFA and groups stay in Entra.
 *
 *   cd stacks/front-entra
 *   pulumi config set aws:region eu-west-1
 *   pulumi config set azuread:tenantId <tenant GUID>
 *   pulumi config set mcp-auth:frontDomainName auth.example.com
 *   pulumi config set mcp-auth:frontCertificateArn arn:aws:acm:us-east-1:…:certificate/…
 *   pulumi config set --secret mcp-auth:frontSigningKey -- "$(cat front-signing.jwk.json)"
 *   pulumi config set --secret mcp-auth:edgeAssertionKey -- "$(cat edge-assertion-key.jwk.json)"   # optional
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { EntraMcpAuth } from "../../components/targets/entra/index.js";
import crm from "../crm/mcp-auth.js";
import { deployFrontAndEdge, frontHost, frontUpstreamOf } from "../front-compose.js";

const azureadConfig = new pulumi.Config("azuread");
const config = new pulumi.Config("mcp-auth");
const plan = compile(crm);

// The Entra target provisions the front's upstream OIDC client (callback: <front issuer>/federation/callback).
const entraArgs = {
  plan,
  tenantId: config.get("tenantId") ?? azureadConfig.get("tenantId"),
  groupObjectIds: config.getObject<Record<string, string>>("groupObjectIds"),
  front: { redirectUri: frontHost(config).callbackUrl },
};
const entra = new EntraMcpAuth("crm", entraArgs);

export const { frontIssuer, frontDistributionDomainName, frontTableName, frontAlarms, servers, edgeFunctionUrl, edgeAlarms } = deployFrontAndEdge(
  "crm",
  plan,
  // Entra puts the tenant in `tid`; the front carries it into its tokens.
  { ...frontUpstreamOf(entra, "EntraMcpAuth"), tenantClaim: "tid" },
  config,
  { project: "crm", "managed-by": "pulumi-mcp-auth", tenant: "entra" },
);
