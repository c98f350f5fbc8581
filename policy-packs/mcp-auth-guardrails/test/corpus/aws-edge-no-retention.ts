import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "aws-lambda-function-edge-log-retention",
  resources: [
    { type: "aws:lambda/function:Function", name: "edge", props: { name: "edge", tags: { "pulumi-mcp-auth:edge": "crm" }, loggingConfig: { logFormat: "JSON", logGroup: "/mcp/edge" } } },
    { type: "aws:cloudwatch/logGroup:LogGroup", name: "lg", props: { name: "/mcp/edge" } },
  ],
} satisfies CorpusCase;
