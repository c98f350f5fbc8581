import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "entra-application-scopes-no-omnibus",
  resources: [{ type: "azuread:index/applicationPermissionScope:ApplicationPermissionScope", name: "s", props: { applicationId: "/applications/x", scopeId: "00000000-0000-0000-0000-000000000001", type: "User", value: "full_access", adminConsentDescription: "x", adminConsentDisplayName: "x" } }],
} satisfies CorpusCase;
