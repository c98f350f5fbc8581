import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-client-exact-callbacks",
  resources: [{ type: "auth0:index/client:Client", name: "c", props: { name: "Portal", appType: "regular_web", callbacks: ["https://*.example.com/callback"] } }],
} satisfies CorpusCase;
