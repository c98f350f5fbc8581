import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "entra-application-access-token-v2",
  resources: [{ type: "azuread:index/application:Application", name: "a", props: { displayName: "CRM", identifierUris: ["https://mcp.example.com/crm"] } }],
} satisfies CorpusCase;
