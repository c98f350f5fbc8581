// docs/aws.md, McpAuthFront with McpEdge.
import * as pulumi from "@pulumi/pulumi";
import type { McpAuthPlan } from "pulumi-mcp-auth";
import type { OktaMcpAuth } from "pulumi-mcp-auth/okta";

declare const okta: OktaMcpAuth, plan: McpAuthPlan;
const config = new pulumi.Config("mcp-auth");
const certificateArn = config.require("frontCertificateArn");
const hostedZoneId = config.require("frontHostedZoneId");

// snippet:start
import { McpAuthFront, McpEdge, FRONT_EDGE_SECRET_ENV } from "pulumi-mcp-auth/aws";
import { edgeConfigFor } from "pulumi-mcp-auth";

// The upstream client an IdP target creates for the front (its `front` argument; `frontUpstream` output).
const upstream = okta.frontUpstream!;
const front = new McpAuthFront("crm", {
  plan,
  upstream: { issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret },
  signingKey: config.requireSecret("frontSigningKey"),   // private JWK (JSON) with kid and alg
  customDomain: { domainName: "auth.example.com", certificateArn, hostedZoneId },
});
const edge = new McpEdge("crm", {
  servers: plan.servers.map((s) => ({ name: s.name, edgeConfig: front.tokenFacts.apply((f) => edgeConfigFor(plan, s.name, f)) })),
  secrets: { [FRONT_EDGE_SECRET_ENV]: front.edgeClientSecret },   // kept in Secrets Manager
  assertionKey: config.requireSecret("edgeAssertionKey"),
});
// snippet:end

export { edge };
