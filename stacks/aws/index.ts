/**
 * The CRM example (stacks/crm/mcp-auth.ts) on Okta, with both MCP servers behind the edge on AWS
 * Lambda (gateway mode: a streaming Function URL, optionally behind CloudFront on your domain).
 *
 * Two modes, chosen with `mcp-auth:authorization`:
 * - `direct` (the default): Okta is the authorization server; the edge trusts Okta's issuers.
 * - `front`: the authorization front (McpAuthFront) is the authorization server, federating sign-in
 *   to Okta through the upstream client the Okta target creates; the edge trusts only the front.
 *   It needs the front's keys of stacks/front-compose.ts (frontDomainName, frontCertificateArn,
 *   frontSigningKey, …).
 *
 *   cd stacks/aws
 *   pulumi config set aws:region eu-west-1
 *   pulumi config set okta:orgName acme && pulumi config set okta:baseUrl okta.com
 *   pulumi config set --secret okta:apiToken <token>
 *   pulumi config set mcp-auth:nightlyDigestJwksUri https://agents.example.com/nightly-digest/jwks.json
 *   # optional (default: a key generated once and kept in Secrets Manager):
 *   pulumi config set --secret mcp-auth:edgeAssertionKey -- "$(cat edge-assertion-key.jwk.json)"
 *   # optional: serve https://mcp.example.com/crm and /crm-admin from CloudFront
 *   pulumi config set mcp-auth:domainName mcp.example.com
 *   pulumi config set mcp-auth:certificateArn arn:aws:acm:us-east-1:…:certificate/…
 *   pulumi config set mcp-auth:hostedZoneId Z…
 *   pulumi up
 *   # the front instead of direct mode:
 *   pulumi config set mcp-auth:authorization front
 *   pulumi config set mcp-auth:frontDomainName auth.example.com
 *   pulumi config set mcp-auth:frontCertificateArn arn:aws:acm:us-east-1:…:certificate/…
 *   pulumi config set --secret mcp-auth:frontSigningKey -- "$(cat front-signing.jwk.json)"
 *   pulumi up
 *
 * Every key is described in docs/aws.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { OktaMcpAuth } from "../../components/targets/okta/index.js";
import { McpEdge, type McpEdgeArgs } from "../../components/targets/aws/index.js";
import crm from "../crm/mcp-auth.js";
import { deployFront, edgeTrustingFront, frontHost, frontUpstreamOf } from "../front-compose.js";

const config = new pulumi.Config("mcp-auth");
const plan = compile(crm);
const tags = { project: "crm", "managed-by": "pulumi-mcp-auth" };
const authorization = config.get("authorization") ?? "direct";
if (authorization !== "direct" && authorization !== "front") {
  throw new Error(`mcp-auth:authorization must be 'direct' or 'front', got '${authorization}'; run: pulumi config set mcp-auth:authorization front`);
}
const withFront = authorization === "front";

// 1. The IdP side: one Okta custom authorization server per MCP server; each exports its edge config.
//    With the front, Okta also gets the front's upstream OIDC client (callback: <front issuer>/federation/callback).
const idp = new OktaMcpAuth("crm", {
  plan,
  // The nightly-digest agent authenticates with private_key_jwt; Okta needs where its public keys live.
  clientJwksUris: { "agent/nightly-digest": config.require("nightlyDigestJwksUri") },
  ...(withFront ? { front: { redirectUri: frontHost(config).callbackUrl } } : {}),
});

// 1b. The authorization front (front mode only): MCP clients register and sign in there; Okta stays
//     the source of users, MFA and groups.
const front = withFront ? deployFront("crm", plan, frontUpstreamOf(idp, "OktaMcpAuth"), config, tags) : undefined;
const trust = front ? edgeTrustingFront(plan, front) : undefined;

// 2. The edge: one Lambda in front of both servers. Direct mode: `idp` hands it Okta's edge configs
//    and the introspection client secret (stored in Secrets Manager, never in the environment).
//    Front mode: each server's edge config names the front as its only issuer.
const domainName = config.get("domainName");
const upstreams = config.getObject<Record<string, string>>("upstreams") ?? {};
const alarmTopicArn = config.get("alarmTopicArn");
const assertionKey = config.getSecret("edgeAssertionKey");

const args: McpEdgeArgs = {
  ...(trust ? {} : { idp }),
  servers: plan.servers.map((s) => ({ name: s.name, ...(upstreams[s.name] ? { upstream: upstreams[s.name] } : {}), ...(trust ? { edgeConfig: trust.edgeConfigOf(s.name) } : {}) })),
  // Direct mode: Okta's keys are fetched once per `pulumi up` and shipped in the archive (no JWKS
  // fetch on cold start). Front mode: the front's public keys are in its edge configs already.
  jwksSnapshot: trust ? trust.jwksSnapshot : (config.getBoolean("jwksSnapshot") ?? true),
  ...(trust ? { secrets: trust.secrets } : {}),
  // Optional: without it the component generates an Ed25519 key once and keeps it in Secrets Manager.
  ...(assertionKey ? { assertionKey } : {}),
  ...(domainName
    ? { customDomain: { domainName, certificateArn: config.require("certificateArn"), ...(config.get("hostedZoneId") ? { hostedZoneId: config.require("hostedZoneId") } : {}) } }
    : {}),
  logRetentionDays: config.getNumber("logRetentionDays") ?? 365,
  ...(config.getNumber("reservedConcurrency") ? { reservedConcurrency: config.requireNumber("reservedConcurrency") } : {}),
  alarms: { actions: alarmTopicArn ? [alarmTopicArn] : [] },
  tags,
};
const edge = new McpEdge("crm", args);

/** `direct` or `front`. */
export const mode = authorization;
/** Per MCP server: resource URI, the URL clients connect to, and its RFC 9728 metadata URL. */
export const servers = edge.servers;
export const functionUrl = edge.functionUrl;
/** Point your DNS here when `mcp-auth:hostedZoneId` is not set. */
export const distributionDomainName = edge.distributionDomainName;
export const logGroupName = edge.logGroupName;
/** Saved CloudWatch Logs Insights queries for the security team. */
export const auditQueries = edge.queryNames;
export const alarms = edge.alarmNames;
export const oktaIssuers = Object.fromEntries(Object.entries(idp.servers).map(([k, v]) => [k, v.issuer]));
/** Front mode: the authorization server MCP clients use, and where its DNS points. */
export const frontIssuer = front?.issuer;
export const frontDistributionDomainName = front?.distributionDomainName;
export const frontTableName = front?.tableName;
export const frontAlarms = front?.alarmNames;
