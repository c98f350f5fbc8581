import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-app-oauth-exact-redirect-uris",
  resources: [{ type: "okta:app/oAuth:OAuth", name: "a", props: { label: "Portal", type: "browser", grantTypes: ["authorization_code"], pkceRequired: true, redirectUris: ["https://*.example.com/cb"] } }],
} satisfies CorpusCase;
