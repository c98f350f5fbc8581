import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-scope-sensitive-consent",
  resources: [{ type: "okta:auth/serverScope:ServerScope", name: "d", props: { authServerId: "as", name: "crm:customers:delete" } }],
} satisfies CorpusCase;
