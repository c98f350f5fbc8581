import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-policy-rule-no-wildcard-scopes",
  resources: [{ type: "okta:auth/serverPolicyRule:ServerPolicyRule", name: "all", props: { name: "everything", authServerId: "as", policyId: "p", priority: 1, grantTypeWhitelists: ["authorization_code"], scopeWhitelists: ["*"], accessTokenLifetimeMinutes: 5 } }],
} satisfies CorpusCase;
