import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "entra-application-no-implicit-grant",
  resources: [{ type: "azuread:index/application:Application", name: "a", props: { displayName: "CRM", identifierUris: ["https://mcp.example.com/crm"], api: { requestedAccessTokenVersion: 2 }, web: { implicitGrant: { idTokenIssuanceEnabled: true } } } }],
} satisfies CorpusCase;
