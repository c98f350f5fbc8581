import type { Policies } from "@pulumi/policy";
import { auth0ClientGrantNoAllScopes } from "./auth0/clientGrantNoAllScopes.js";
import { auth0ClientNoRemovedGrants } from "./auth0/clientNoRemovedGrants.js";
import { auth0ResourceServerCanonicalIdentifier } from "./auth0/resourceServerCanonicalIdentifier.js";
import { auth0ResourceServerScopesNoOmnibus } from "./auth0/resourceServerScopesNoOmnibus.js";
import { auth0ResourceServerTokenLifetime } from "./auth0/resourceServerTokenLifetime.js";
import { auth0TenantDcrCapped } from "./auth0/tenantDcrCapped.js";
import { awsLambdaFunctionEdgeLogRetention } from "./aws/lambdaFunctionEdgeLogRetention.js";
import { awsLambdaFunctionEdgeNoDebugLogging } from "./aws/lambdaFunctionEdgeNoDebugLogging.js";
import { entraApplicationAccessTokenV2 } from "./entra/applicationAccessTokenV2.js";
import { entraApplicationCanonicalIdentifierUris } from "./entra/applicationCanonicalIdentifierUris.js";
import { entraApplicationNoImplicitGrant } from "./entra/applicationNoImplicitGrant.js";
import { entraApplicationScopesNoOmnibus } from "./entra/applicationScopesNoOmnibus.js";
import { oktaAppOauthExactRedirectUris } from "./okta/appOauthExactRedirectUris.js";
import { oktaAppOauthNoRemovedGrants } from "./okta/appOauthNoRemovedGrants.js";
import { oktaAppOauthPkceRequired } from "./okta/appOauthPkceRequired.js";
import { oktaAuthServerPolicyRuleAccessTokenLifetime } from "./okta/authServerPolicyRuleAccessTokenLifetime.js";
import { oktaAuthServerPolicyRuleNoRemovedGrants } from "./okta/authServerPolicyRuleNoRemovedGrants.js";
import { oktaAuthServerPolicyRuleNoWildcardScopes } from "./okta/authServerPolicyRuleNoWildcardScopes.js";
import { oktaAuthServerScopeNoOmnibus } from "./okta/authServerScopeNoOmnibus.js";
import { oktaAuthServerScopeNotDefault } from "./okta/authServerScopeNotDefault.js";
import { planPolicies } from "./plan/planPolicies.js";
import { auth0ClientExactCallbacks } from "./auth0/clientExactCallbacks.js";
import { auth0ClientPublicRefreshTokenRotation } from "./auth0/clientPublicRefreshTokenRotation.js";
import { awsApigatewayAuthorizerEdgeChallenge } from "./aws/apigatewayAuthorizerEdgeChallenge.js";
import { awsLambdaFunctionUrlAuthNoneEdgeOnly } from "./aws/lambdaFunctionUrlAuthNoneEdgeOnly.js";
import { entraApplicationScopesNotOnlyDefault } from "./entra/applicationScopesNotOnlyDefault.js";
import { oktaAuthServerPolicyRuleRefreshTokenLifetime } from "./okta/authServerPolicyRuleRefreshTokenLifetime.js";
import { oktaAuthServerScopeSensitiveConsent } from "./okta/authServerScopeSensitiveConsent.js";

/** Policies over raw provider resources, whether our components or hand-written code created them. */
export const resourcePolicies: Policies = [
  auth0ClientExactCallbacks,
  auth0ClientGrantNoAllScopes,
  auth0ClientNoRemovedGrants,
  auth0ClientPublicRefreshTokenRotation,
  auth0ResourceServerCanonicalIdentifier,
  auth0ResourceServerScopesNoOmnibus,
  auth0ResourceServerTokenLifetime,
  auth0TenantDcrCapped,
  awsApigatewayAuthorizerEdgeChallenge,
  awsLambdaFunctionEdgeLogRetention,
  awsLambdaFunctionEdgeNoDebugLogging,
  awsLambdaFunctionUrlAuthNoneEdgeOnly,
  entraApplicationAccessTokenV2,
  entraApplicationCanonicalIdentifierUris,
  entraApplicationNoImplicitGrant,
  entraApplicationScopesNoOmnibus,
  entraApplicationScopesNotOnlyDefault,
  oktaAppOauthExactRedirectUris,
  oktaAppOauthNoRemovedGrants,
  oktaAppOauthPkceRequired,
  oktaAuthServerPolicyRuleAccessTokenLifetime,
  oktaAuthServerPolicyRuleNoRemovedGrants,
  oktaAuthServerPolicyRuleNoWildcardScopes,
  oktaAuthServerPolicyRuleRefreshTokenLifetime,
  oktaAuthServerScopeNoOmnibus,
  oktaAuthServerScopeNotDefault,
  oktaAuthServerScopeSensitiveConsent,
];

/**
 * Every policy of the pack. Exported apart from the `PolicyPack` entry (`index.ts`), which starts a
 * gRPC server when constructed, so tests can import this module safely.
 */
export const policies: Policies = [...planPolicies, ...resourcePolicies];
