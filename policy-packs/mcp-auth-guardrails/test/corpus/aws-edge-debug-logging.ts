import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "aws-lambda-function-edge-no-debug-logging",
  resources: [{ type: "aws:lambda/function:Function", name: "edge", props: { name: "edge", tags: { "pulumi-mcp-auth:edge": "crm" }, environment: { variables: { MCP_EDGE_LOG_LEVEL: "trace" } } } }],
} satisfies CorpusCase;
