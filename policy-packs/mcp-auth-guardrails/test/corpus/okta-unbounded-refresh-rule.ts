import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-policy-rule-refresh-token-lifetime",
  resources: [{ type: "okta:auth/serverPolicyRule:ServerPolicyRule", name: "r", props: { authServerId: "as", policyId: "p", name: "all-users", priority: 1, grantTypeWhitelists: ["authorization_code"], scopeWhitelists: ["crm:customers:read", "offline_access"], accessTokenLifetimeMinutes: 60 } }],
} satisfies CorpusCase;
