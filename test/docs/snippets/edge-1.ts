// docs/edge.md, "Verifying it upstream".
import type { IncomingMessage } from "node:http";

declare const req: IncomingMessage, text: string;

// snippet:start
import { createRemoteJWKSet } from "jose";
import { verifyEdgeAssertion } from "pulumi-mcp-auth/edge";

const edgeKeys = createRemoteJWKSet(new URL("https://mcp.example.com/.well-known/mcp-edge-jwks.json"));
// in the request handler, after reading the body text:
const header = req.headers["mcp-edge-assertion"];
const claims = await verifyEdgeAssertion(typeof header === "string" ? header : undefined, {
  key: edgeKeys, issuer: "https://mcp.example.com/crm", audience: "https://crm.internal/mcp",
  method: req.method ?? "POST", body: text,
});
// claims.sub, claims.client_id, claims.scope (what this call was allowed to use), claims.mcp_name …
// snippet:end

export { claims };
