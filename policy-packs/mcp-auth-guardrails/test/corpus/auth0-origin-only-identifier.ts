import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-resource-server-canonical-identifier",
  resources: [{ type: "auth0:index/resourceServer:ResourceServer", name: "crm", props: { identifier: "https://mcp.example.com", name: "CRM", tokenLifetime: 900 } }],
} satisfies CorpusCase;
