/** The local home of the authorization front: the front on loopback, an embedded upstream IdP, the edge and a demo server. */
export { startDevStack, PortInUseError, DEV_EXTRA_ORIGINS, LOCAL_INTROSPECTION_SECRET_ENV } from "./dev-stack.js";
export type { DevStack, DevStackOptions, DevServerInfo } from "./dev-stack.js";
export { startAuthorizationServer, isLoopbackHost } from "./authorization-server.js";
export type { AuthorizationServerOptions, LocalAuthorizationServer } from "./authorization-server.js";
export { createUpstreamIdp } from "./upstream-idp.js";
export type { UpstreamIdp, UpstreamIdpOptions } from "./upstream-idp.js";
export { startDemoMcpServer, buildDemoMcpServer } from "./demo-mcp-server.js";
export type { DemoMcpServer, DemoMcpServerOptions } from "./demo-mcp-server.js";
export { devPlan } from "./dev-plan.js";
