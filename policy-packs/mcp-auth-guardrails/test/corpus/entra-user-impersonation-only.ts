import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "entra-application-scopes-not-only-default",
  resources: [{ type: "azuread:index/application:Application", name: "a", props: { displayName: "CRM", identifierUris: ["https://mcp.example.com/crm"], api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ id: "00000000-0000-0000-0000-000000000001", value: "user_impersonation", enabled: true }] } } }],
} satisfies CorpusCase;
