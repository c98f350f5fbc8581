// docs/edge.md, "Using it", type-checked by `npm run typecheck` (test/docs/snippets.test.ts keeps the text in step).
import type { JsonWebKey } from "node:crypto";
import type { EdgeConfig } from "pulumi-mcp-auth/edge";

declare const crmConfig: EdgeConfig, adminConfig: EdgeConfig, privateJwk: JsonWebKey, request: Request, sourceIp: string;

// snippet:start
import { createEdge } from "pulumi-mcp-auth/edge"; // in this repository: lambda/index.ts
const edge = createEdge([crmConfig, adminConfig], { assertionKey: privateJwk });
const res = await edge.handle(request, { sourceIp });          // everything
const d = await edge.authorize(request, { sourceIp });         // decide only (REST authorizer mode)
// snippet:end

export { res, d };
