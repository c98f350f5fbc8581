import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-app-oauth-pkce-required",
  resources: [{ type: "okta:app/oAuth:OAuth", name: "a", props: { label: "Portal", type: "browser", grantTypes: ["authorization_code"], redirectUris: ["https://portal.example.com/cb"] } }],
} satisfies CorpusCase;
