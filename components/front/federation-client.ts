/**
 * The part of openid-client the federated sign-in uses (`federation.ts` imports this module on the
 * first sign-in). Named re-exports, so that the Lambda bundle keeps only these functions of
 * openid-client (a dynamic import of the package itself would keep all of it).
 */
export {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  ClientSecretBasic,
  discovery,
  enableNonRepudiationChecks,
  fetchUserInfo,
  None,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from "openid-client";
