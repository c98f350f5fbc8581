// docs/aws.md, authorizer mode.
import * as aws from "@pulumi/aws";
import { McpEdge } from "pulumi-mcp-auth/aws";
import type { OktaMcpAuth } from "pulumi-mcp-auth/okta";

declare const okta: OktaMcpAuth, api: aws.apigateway.RestApi, mcp: aws.apigateway.Resource;

// snippet:start
const edge = new McpEdge("crm", {
  mode: "authorizer",
  restApi: { id: api.id, rootResourceId: api.rootResourceId, executionArn: api.executionArn },
  servers: [{ name: "crm", edgeConfig: okta.servers["crm"]!.edgeConfig }],
});
// Both outputs are set in authorizer mode (undefined in gateway mode).
const authorizerId = edge.authorizerId.apply((id) => id!);
const trigger = edge.deploymentTrigger.apply((t) => t!);
new aws.apigateway.Method("mcp-post", { restApi: api.id, resourceId: mcp.id, httpMethod: "POST", authorization: "CUSTOM", authorizerId });
new aws.apigateway.Deployment("d", { restApi: api.id, triggers: { edge: trigger } });
// snippet:end
