import { defineRule, tierTarget } from "./helpers.js";

export default defineRule({
  id: "client-authentication",
  severity: "error",
  fix: "Use `private_key_jwt` for confidential tiers, `none` for public ones; keep `client_credentials` to confidential client-credentials tiers.",
  description: "Confidential tiers authenticate at the token endpoint (not `none`), public tiers hold no secret, and the client-credentials grant belongs to confidential client-credentials tiers only.",
  reference: "RFC 6749 §2.1 (client types) and §4.4 (client credentials: confidential clients only); RFC 7523 (private_key_jwt)",
  *findings(plan) {
    for (const tier of plan.tiers) {
      const t = tierTarget(tier.name);
      if (tier.clientType === "confidential" && tier.tokenEndpointAuthMethod === "none") {
        yield {
          target: t,
          message: `Tier '${tier.name}' is confidential but its clients do not authenticate at the token endpoint (method 'none').`,
          fix: `Set tiers.${tier.name}.tokenEndpointAuthMethod to "private_key_jwt" (or remove it: that is the default for confidential tiers).`,
        };
      }
      if (tier.clientType === "public" && tier.tokenEndpointAuthMethod !== "none") {
        yield {
          target: t,
          message: `Tier '${tier.name}' is public but declares token endpoint authentication '${tier.tokenEndpointAuthMethod}', a credential a public client cannot keep secret.`,
          fix: `Remove tiers.${tier.name}.tokenEndpointAuthMethod, or make the tier confidential if its clients run on a server.`,
        };
      }
      if (tier.grantTypes.includes("client_credentials") && tier.clientType !== "confidential") {
        yield {
          target: t,
          message: `Tier '${tier.name}' allows the client_credentials grant to public clients.`,
          fix: `Make tiers.${tier.name} confidential, or remove "client_credentials" from its grantTypes.`,
        };
      }
      if (tier.registration === "client-credentials" && !tier.grantTypes.includes("client_credentials")) {
        yield {
          target: t,
          message: `Tier '${tier.name}' has registration 'client-credentials' but does not allow the client_credentials grant.`,
          fix: `Add "client_credentials" to tiers.${tier.name}.grantTypes, or change its registration.`,
        };
      }
    }
  },
});
