import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "auth0-tenant-dcr-capped",
  resources: [{ type: "auth0:index/tenant:Tenant", name: "t", props: { flags: { enableDynamicClientRegistration: true } } }],
} satisfies CorpusCase;
