import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-client-grant-no-all-scopes",
  resources: [{ type: "auth0:index/clientGrant:ClientGrant", name: "g", props: { clientId: "c1", audience: "https://mcp.example.com/crm", allowAllScopes: true, scopes: [] } }],
} satisfies CorpusCase;
