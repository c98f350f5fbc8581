import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-resource-server-token-lifetime",
  resources: [{ type: "auth0:index/resourceServer:ResourceServer", name: "crm", props: { identifier: "https://mcp.example.com/crm", name: "CRM" } }],
} satisfies CorpusCase;
