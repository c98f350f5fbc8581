// Auth0 target: plan → Auth0 APIs, scopes, clients, grants, (opt-in) tenant settings and (opt-in) RBAC roles per group.
export { Auth0McpAuth, McpAuthAuth0, MCP_AUTH_AUTH0_TYPE } from "./component.js";
export type { Auth0McpAuthOutputs, McpAuthAuth0Outputs, Auth0ServerOutput, Auth0RoleOutput } from "./component.js";
export { parseAuth0Args, Auth0TargetError } from "./args.js";
export type { Auth0McpAuthArgs, McpAuthAuth0Args, Auth0ClientOverride, Auth0ArgIssue, ParsedAuth0Args, Auth0GroupsOption } from "./args.js";
export { buildAuth0Model, defaultAppType } from "./model.js";
export type { Auth0Model, Auth0ServerModel, Auth0ClientModel, Auth0TenantModel, Auth0RefreshModel } from "./model.js";
export { grantsForServer, scopesWithinCap } from "./grants.js";
export type { Auth0GrantModel } from "./grants.js";
export { rolesForPlan } from "./roles.js";
export type { Auth0RoleModel, Auth0RolePermission } from "./roles.js";
export { apiTokenLifetime } from "./lifetime.js";
export type { ApiLifetimeDecision } from "./lifetime.js";
export { AUTH0_CAPABILITIES } from "./capabilities.js";
export * as auth0Values from "./values.js";
export { auth0FrontUpstream, auth0FrontActionCode, auth0FrontRolesClaim, AUTH0_POST_LOGIN } from "./front.js";
export type { Auth0FrontInput } from "./front.js";
export { FRONT_CALLBACK_PATH, frontRedirectUriProblem } from "../front-upstream.js";
export type { FrontUpstream, FrontUpstreamArgs } from "../front-upstream.js";
