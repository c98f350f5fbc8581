import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-scope-no-omnibus",
  resources: [{ type: "okta:auth/serverScope:ServerScope", name: "all", props: { authServerId: "as", name: "crm:all", consent: "IMPLICIT" } }],
} satisfies CorpusCase;
