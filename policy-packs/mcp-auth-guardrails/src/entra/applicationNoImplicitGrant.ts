import type * as azuread from "@pulumi/azuread";
import { resourcePolicy } from "../policy.js";

/**
 * Implicit-flow token issuance puts tokens in the front channel; OAuth 2.1 removed it (§10.1).
 * @severity high
 */
export const entraApplicationNoImplicitGrant = resourcePolicy<azuread.ApplicationArgs>({
  name: "entra-application-no-implicit-grant",
  description: "Entra applications must not enable implicit-grant issuance of access or ID tokens.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "azuread:index/application:Application",
  validate(props, _config, report) {
    const g = props.web?.implicitGrant;
    if (g?.accessTokenIssuanceEnabled === true) report(`Entra application '${props.displayName}' issues access tokens through the implicit grant; set 'web.implicitGrant.accessTokenIssuanceEnabled' to false.`);
    if (g?.idTokenIssuanceEnabled === true) report(`Entra application '${props.displayName}' issues ID tokens through the implicit grant; set 'web.implicitGrant.idTokenIssuanceEnabled' to false.`);
  },
});
