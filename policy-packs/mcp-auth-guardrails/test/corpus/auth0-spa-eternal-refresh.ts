import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-client-public-refresh-token-rotation",
  resources: [{ type: "auth0:index/client:Client", name: "c", props: { name: "Web", appType: "spa", callbacks: ["https://app.example.com/cb"], refreshToken: { rotationType: "non-rotating", expirationType: "non-expiring" } } }],
} satisfies CorpusCase;
