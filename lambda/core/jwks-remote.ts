/**
 * jose's remote key set, imported dynamically by the key store (keys.ts) on its first JWKS fetch:
 * bundled, this module and the part of jose it uses are evaluated only then, never on a cold start
 * served from the JWKS snapshot. Kept to these two names so the bundle holds nothing else of jose.
 */
export { createRemoteJWKSet, customFetch } from "jose";
