// Okta target: public API. Explicit named re-exports only; types kept separate.
export { OktaMcpAuth } from "./component.js";
export type { OktaMcpAuthArgs, OktaMcpAuthOutputs } from "./component.js";
export { OktaMcpServer } from "./server.js";
export type { OktaMcpServerArgs, OktaMcpServerOutputs } from "./server.js";
export { OktaMcpAuthArgsSchema, OktaTargetError, resolveOktaArgs } from "./args.js";
export type { OktaArgsIssue, ResolvedOktaArgs } from "./args.js";
export { oktaLayout, oktaName } from "./layout.js";
export type { OktaLayout, OktaAppSpec, OktaScopeSpec, OktaPolicySpec, OktaRuleSpec, OktaClaimSpec, OktaServerSpec } from "./layout.js";
export { oktaPlanIssues, OKTA_RESERVED_ACCESS_TOKEN_CLAIMS } from "./validate.js";
export { ruleChain, matchingLink } from "./rule-chain.js";
export type { ChainLink } from "./rule-chain.js";
export { OKTA_CAPABILITIES, oktaCapabilityReport } from "./capabilities.js";
export {
  OKTA_RULE_GRANT,
  OKTA_APP_GRANT,
  OKTA_AUTH_METHOD,
  OKTA_APP_TYPE,
  OKTA_APP_CONSENT,
  OKTA_REFRESH_ROTATION,
  OKTA_SCOPE_CONSENT,
  OKTA_METADATA_PUBLISH,
  OKTA_ISSUER_MODES,
} from "./constants.js";
export { oktaFrontUpstream, OKTA_FRONT_GROUPS_CLAIM, OKTA_FRONT_SIGNIN_SCOPES } from "./front.js";
export type { OktaFrontInput } from "./front.js";
export { FRONT_CALLBACK_PATH, frontRedirectUriProblem } from "../front-upstream.js";
export type { FrontUpstream, FrontUpstreamArgs } from "../front-upstream.js";
