import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-app-oauth-no-removed-grants",
  resources: [{ type: "okta:app/oAuth:OAuth", name: "a", props: { label: "Script", type: "service", grantTypes: ["password"] } }],
} satisfies CorpusCase;
