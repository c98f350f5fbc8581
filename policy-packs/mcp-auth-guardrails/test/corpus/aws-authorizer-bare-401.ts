import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "aws-apigateway-authorizer-edge-challenge",
  resources: [{ type: "aws:lambda/function:Function", name: "edge", props: { name: "mcp-edge", tags: { "pulumi-mcp-auth:edge": "crm" } } }, { type: "aws:apigateway/authorizer:Authorizer", name: "auth", props: { restApi: "api", type: "REQUEST", authorizerUri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:mcp-edge/invocations" } }],
} satisfies CorpusCase;
