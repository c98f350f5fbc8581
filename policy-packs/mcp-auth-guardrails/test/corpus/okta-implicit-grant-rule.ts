import type { CorpusCase } from "./_case.js";
export default {
  blockedBy: "okta-auth-server-policy-rule-no-removed-grants",
  resources: [{ type: "okta:auth/serverPolicyRule:ServerPolicyRule", name: "i", props: { name: "legacy", authServerId: "as", policyId: "p", priority: 1, grantTypeWhitelists: ["implicit"], scopeWhitelists: ["crm:customers:read"], accessTokenLifetimeMinutes: 30 } }],
} satisfies CorpusCase;
