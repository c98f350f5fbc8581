import type * as azuread from "@pulumi/azuread";
import { resourcePolicy } from "../policy.js";

/**
 * v1 tokens carry `iss=https://sts.windows.net/{tid}/` and `aud=api://…`, which MCP resource servers
 * validating v2 issuers reject; Microsoft's MCP guidance supports v2 tokens only.
 * @severity medium
 * @link learn.microsoft.com/entra/agent-id/secure-mcp-server-with-entra-id
 */
export const entraApplicationAccessTokenV2 = resourcePolicy<azuread.ApplicationArgs>({
  name: "entra-application-access-token-v2",
  description: "Entra applications that expose an API must request v2 access tokens ('api.requestedAccessTokenVersion: 2').",
  enforcementLevel: "mandatory",
  severity: "medium",
  resourceType: "azuread:index/application:Application",
  validate(props, _config, report) {
    const exposesApi = (props.identifierUris?.length ?? 0) > 0 || (props.api?.oauth2PermissionScopes?.length ?? 0) > 0;
    if (exposesApi && props.api?.requestedAccessTokenVersion !== 2) {
      report(`Entra application '${props.displayName}' exposes an API but requests v${props.api?.requestedAccessTokenVersion ?? 1} access tokens; set 'api.requestedAccessTokenVersion' to 2.`);
    }
  },
});
