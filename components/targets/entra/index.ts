// Entra target: plan → Entra applications, delegated scopes, app roles (groups, agent application permissions), pre-authorized clients and agents, edge configs.
export { EntraMcpAuth, ENTRA_COMPONENT_TYPE, ENTRA_IDTYP_CLAIM } from "./component.js";
export type { EntraServerOutputs } from "./component.js";
export { EntraMcpAuthArgsSchema, EntraArgsError, parseEntraArgs } from "./args.js";
export type { EntraMcpAuthArgs, ParsedEntraMcpAuthArgs } from "./args.js";
export { entraPlanSpec, preRegisteredTiers, agentTiers, ENTRA_MIN_ACCESS_TOKEN_MINUTES, ENTRA_MAX_ACCESS_TOKEN_MINUTES } from "./mapping.js";
export type { EntraPlanSpec, EntraServerSpec, EntraScopeSpec, EntraRoleSpec, EntraClientSpec, EntraPreAuthSpec, EntraAppPermissionSpec, EntraAgentSpec, EntraAgentGrantSpec } from "./mapping.js";
export { entraEdgeConfig, entraIssuer, entraJwksUri, entraRoles } from "./edge.js";
export type { EntraTokenFacts, EntraScopeForm } from "./edge.js";
export { identifierUriProblem, coveringDomain } from "./domains.js";
export { stableScopeId, stableRoleId, stableAppPermissionId, uuidV5, entraScopeValue, entraRoleValue, entraAppPermissionValue, entraValueProblem, ENTRA_ID_NAMESPACE } from "./ids.js";
export { tokenLifetimePolicy, timeSpan } from "./lifetime.js";
export type { TokenLifetimePolicyRequest } from "./lifetime.js";
export { ENTRA_CAPABILITIES, entraCapabilityReport } from "./capabilities.js";
export { entraFrontUpstream, ENTRA_FRONT_GROUPS_CLAIM, ENTRA_DEFAULT_ACCESS_ROLE, MS_GRAPH } from "./front.js";
export type { EntraFrontInput } from "./front.js";
export { FRONT_CALLBACK_PATH, frontRedirectUriProblem } from "../front-upstream.js";
export type { FrontUpstream, FrontUpstreamArgs } from "../front-upstream.js";
