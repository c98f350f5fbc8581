// docs/aws.md, auditArchive.
import * as pulumi from "@pulumi/pulumi";
import { McpEdge, type McpEdgeServerArgs } from "pulumi-mcp-auth/aws";

declare const servers: McpEdgeServerArgs[];
const cfg = new pulumi.Config("mcp-auth");

// snippet:start
new McpEdge("crm", { servers, auditArchive: { retentionDays: 2557, hmacKey: cfg.requireSecret("auditHmacKey") } });
// snippet:end
