/** The local target: the plan as an embedded OAuth authorization server, plus the dev stack. */
export { startDevStack, PortInUseError, DEV_EXTRA_ORIGINS, LOCAL_INTROSPECTION_SECRET_ENV } from "./dev-stack.js";
export type { DevStack, DevStackOptions, DevServerInfo } from "./dev-stack.js";
export { startAuthorizationServer, isLoopbackHost } from "./authorization-server.js";
export type { AuthorizationServerOptions, LocalAuthorizationServer } from "./authorization-server.js";
export { providerConfiguration, EDGE_INTROSPECTION_CLIENT_ID } from "./provider-config.js";
export type { AgentCredential, ProviderConfigInput } from "./provider-config.js";
export { startDemoMcpServer, buildDemoMcpServer } from "./demo-mcp-server.js";
export type { DemoMcpServer, DemoMcpServerOptions } from "./demo-mcp-server.js";
export { devPlan, tierOfClient, tierScopes, userScopes, grantableScopes } from "./policy.js";
export { redirectUriProblem, createRegistrationRateLimiter } from "./dcr-policy.js";
