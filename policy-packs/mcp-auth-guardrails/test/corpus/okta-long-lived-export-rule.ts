import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-policy-rule-access-token-lifetime",
  resources: [{ type: "okta:auth/serverPolicyRule:ServerPolicyRule", name: "export", props: { name: "ops", authServerId: "as", policyId: "p", priority: 1, grantTypeWhitelists: ["authorization_code"], scopeWhitelists: ["crm:customers:export"], accessTokenLifetimeMinutes: 60 } }],
} satisfies CorpusCase;
