import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "aws-lambda-function-url-auth-none-edge-only",
  resources: [{ type: "aws:lambda/function:Function", name: "reports", props: { name: "reports" } }, { type: "aws:lambda/functionUrl:FunctionUrl", name: "reports-url", props: { functionName: "reports", authorizationType: "NONE" } }],
} satisfies CorpusCase;
