import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-client-no-removed-grants",
  resources: [{ type: "auth0:index/client:Client", name: "c", props: { name: "Legacy SPA", appType: "spa", grantTypes: ["implicit"] } }],
} satisfies CorpusCase;
