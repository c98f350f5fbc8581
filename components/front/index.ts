/** The authorization front: one core (oidc-provider compiled from the plan, federating the IdP), two homes. */
export { createFront, withDefaultScope } from "./front.js";
export type { Front, FrontOptions, UpstreamConfig } from "./front.js";
export { providerConfiguration, EDGE_INTROSPECTION_CLIENT_ID } from "./provider-config.js";
export type { AgentCredential, ClientCredentialInput, ProviderConfigInput } from "./provider-config.js";
export { frontSubject, FEDERATION_CALLBACK_PATH } from "./federation.js";
export type { FrontAccount } from "./federation.js";
export { REVOCATIONS_PATH, revocationHorizonSeconds } from "./revocation.js";
export type { Revoker } from "./revocation.js";
export { GRANTS_PATH } from "./grants-page.js";
export { tierOfClient, tierScopes, userScopes, grantableScopes, planGroupsOf } from "./policy.js";
export { redirectUriProblem } from "./registration/redirect-uris.js";
export { createCimdResolver, CimdError } from "./registration/cimd.js";
export type { CimdOptions, CimdResolver } from "./registration/cimd.js";
export { createDcrGuard } from "./registration/dcr.js";
export type { DcrDenyList, DcrGuard, DcrGuardOptions, DcrVerdict } from "./registration/dcr.js";
export { createMemoryStore } from "./store/memory.js";
export type { FrontStore, ConsentRecord, RevocationRecord, RegistrationRecord } from "./store/types.js";
