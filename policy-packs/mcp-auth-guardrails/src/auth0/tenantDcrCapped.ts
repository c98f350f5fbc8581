import { sensitiveVerbWord } from "pulumi-mcp-auth";
import { stackPolicy } from "../policy.js";

const TENANT = "auth0:index/tenant:Tenant";
const CLIENT_GRANT = "auth0:index/clientGrant:ClientGrant";

/**
 * With dynamic client registration on, anyone can create a (third-party) client. The tier cap is
 * the default grant for third-party clients: it must exist, list its scopes, and hold no
 * destructive or exfiltrating scope (DESIGN.md: DCR tier, routine only; MCP 2026-07-28 deprecates DCR).
 * @severity critical
 * @link auth0/terraform-provider-auth0 docs/resources/client_grant.md (`default_for = third_party_clients`)
 */
export const auth0TenantDcrCapped = stackPolicy({
  name: "auth0-tenant-dcr-capped",
  description: "An Auth0 tenant with dynamic client registration must cap what registered clients get with default grants for third-party clients that list only routine scopes.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validate(resources, _config, report) {
    const tenants = resources.filter((r) => r.type === TENANT && (r.props.flags as { enableDynamicClientRegistration?: boolean } | undefined)?.enableDynamicClientRegistration === true);
    if (tenants.length === 0) return;
    const defaults = resources.filter((r) => r.type === CLIENT_GRANT && r.props.defaultFor === "third_party_clients");
    for (const t of tenants) {
      if (defaults.length === 0) {
        report("The Auth0 tenant enables dynamic client registration but no client grant with 'defaultFor: \"third_party_clients\"' caps what registered clients may hold; add one listing only routine scopes.", t.urn);
      }
    }
    for (const g of defaults) {
      if (g.props.allowAllScopes === true) {
        report(`The default grant for third-party clients on '${String(g.props.audience)}' allows all scopes; list only routine scopes.`, g.urn);
      }
      const sensitive = ((g.props.scopes as string[] | undefined) ?? []).filter((s) => sensitiveVerbWord(s));
      if (sensitive.length > 0) {
        report(`The default grant for third-party clients on '${String(g.props.audience)}' includes ${sensitive.join(", ")}, above the DCR tier's cap; remove them or require a pre-registered client.`, g.urn);
      }
    }
  },
});
