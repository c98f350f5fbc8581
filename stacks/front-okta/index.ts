/**
 * The CRM example with the authorization front on AWS, federating sign-in to Okta: MCP clients
 * (CIMD, DCR, pre-registered) talk to the front; Okta stays the source of users, MFA and groups.
 *
 *   cd stacks/front-okta
 *   pulumi config set aws:region eu-west-1
 *   pulumi config set okta:orgName acme && pulumi config set okta:baseUrl okta.com
 *   pulumi config set --secret okta:apiToken <token>
 *   pulumi config set mcp-auth:frontDomainName auth.example.com
 *   pulumi config set mcp-auth:frontCertificateArn arn:aws:acm:us-east-1:…:certificate/…
 *   pulumi config set --secret mcp-auth:frontSigningKey -- "$(cat front-signing.jwk.json)"
 *   pulumi config set --secret mcp-auth:edgeAssertionKey -- "$(cat edge-assertion-key.jwk.json)"   # optional
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { OktaMcpAuth } from "../../components/targets/okta/index.js";
import crm from "../crm/mcp-auth.js";
import { deployFrontAndEdge, frontHost, frontUpstreamOf } from "../front-compose.js";

const config = new pulumi.Config("mcp-auth");
const plan = compile(crm);

// The Okta target provisions the front's upstream OIDC client (callback: <front issuer>/federation/callback).
const oktaArgs = {
  plan,
  clientJwksUris: config.getObject<Record<string, string>>("clientJwksUris"),
  groupIds: config.getObject<Record<string, string>>("groupIds"),
  front: { redirectUri: frontHost(config).callbackUrl },
};
const okta = new OktaMcpAuth("crm", oktaArgs);

export const { frontIssuer, frontDistributionDomainName, frontTableName, frontAlarms, servers, edgeFunctionUrl, edgeAlarms } = deployFrontAndEdge(
  "crm",
  plan,
  frontUpstreamOf(okta, "OktaMcpAuth"),
  config,
  { project: "crm", "managed-by": "pulumi-mcp-auth" },
);
