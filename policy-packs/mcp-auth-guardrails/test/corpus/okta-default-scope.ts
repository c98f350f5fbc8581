import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-scope-not-default",
  resources: [{ type: "okta:auth/serverScope:ServerScope", name: "d", props: { authServerId: "as", name: "crm:customers:read", default: true } }],
} satisfies CorpusCase;
