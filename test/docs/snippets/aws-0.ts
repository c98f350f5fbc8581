// docs/aws.md, McpEdge.
import * as pulumi from "@pulumi/pulumi";
import type { OktaMcpAuth } from "pulumi-mcp-auth/okta";

declare const okta: OktaMcpAuth;
const config = new pulumi.Config("mcp-auth");
const certificateArn = config.require("certificateArn");
const hostedZoneId = config.require("hostedZoneId");

// snippet:start
import { McpEdge } from "pulumi-mcp-auth/aws"; // in this repo: components/targets/aws/index.ts
const edge = new McpEdge("crm", {
  idp: okta,                                  // an OktaMcpAuth: edge configs + the introspection client secret
  servers: [
    { name: "crm" },                          // config: okta.servers["crm"].edgeConfig
    { name: "crm-admin", upstream: "https://admin.internal.example/mcp" },
  ],
  assertionKey: config.requireSecret("edgeAssertionKey"), // optional: your private JWK (JSON); default: generated once
  jwksSnapshot: true,
  customDomain: { domainName: "mcp.example.com", certificateArn, hostedZoneId },
});
export const servers = edge.servers; // { crm: { resource, mcpUrl, metadataUrl }, ... }
// snippet:end
