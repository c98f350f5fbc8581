import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "entra-application-canonical-identifier-uris",
  resources: [{ type: "azuread:index/application:Application", name: "a", props: { displayName: "CRM", identifierUris: ["https://mcp.example.com/crm/"], api: { requestedAccessTokenVersion: 2 } } }],
} satisfies CorpusCase;
