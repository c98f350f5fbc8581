import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-resource-server-scopes-no-omnibus",
  resources: [{ type: "auth0:index/resourceServerScope:ResourceServerScope", name: "s", props: { resourceServerIdentifier: "https://mcp.example.com/crm", scope: "admin" } }],
} satisfies CorpusCase;
