/**
 * The CRM example with the authorization front on AWS, federating sign-in to Auth0.
 *
 *   cd stacks/front-auth0
 *   pulumi config set aws:region eu-west-1
 *   pulumi config set auth0:domain acme.eu.auth0.com
 *   pulumi config set auth0:clientId <management API M2M client id>
 *   pulumi config set --secret auth0:clientSecret <its secret>
 *   pulumi config set mcp-auth:nightlyDigestPublicKeyPem -- "$(cat nightly-digest.pub.pem)"
 *   pulumi config set mcp-auth:frontDomainName auth.example.com
 *   pulumi config set mcp-auth:frontCertificateArn arn:aws:acm:us-east-1:…:certificate/…
 *   pulumi config set --secret mcp-auth:frontSigningKey -- "$(cat front-signing.jwk.json)"
 *   pulumi config set --secret mcp-auth:edgeAssertionKey -- "$(cat edge-assertion-key.jwk.json)"   # optional
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../components/index.js";
import { McpAuthAuth0 } from "../../components/targets/auth0/index.js";
import crm from "../crm/mcp-auth.js";
import { deployFrontAndEdge, frontHost, frontUpstreamOf } from "../front-compose.js";

const auth0Config = new pulumi.Config("auth0");
const config = new pulumi.Config("mcp-auth");
const plan = compile(crm);

// The Auth0 target provisions the front's upstream OIDC client (callback: <front issuer>/federation/callback).
const auth0Args = {
  plan,
  domain: config.get("issuerDomain") || auth0Config.require("domain"),
  tenant: { manage: config.getBoolean("manageTenant") ?? false },
  clients: { agent: { "nightly-digest": { publicKeyPem: config.require("nightlyDigestPublicKeyPem") } } },
  front: { redirectUri: frontHost(config).callbackUrl },
};
const auth0 = new McpAuthAuth0("crm", auth0Args);

export const { frontIssuer, frontDistributionDomainName, frontTableName, frontAlarms, servers, edgeFunctionUrl, edgeAlarms } = deployFrontAndEdge(
  "crm",
  plan,
  frontUpstreamOf(auth0, "McpAuthAuth0"),
  config,
  { project: "crm", "managed-by": "pulumi-mcp-auth" },
);
