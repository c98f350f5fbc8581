/**
 * Path of the front's OpenID Connect callback below its issuer: the one redirect URI the front's
 * upstream client is registered with at the IdP (`<front issuer>/federation/callback`). The front
 * serves it (federation.ts, front.ts) and the IdP targets register and document it
 * (components/targets/front-upstream.ts `FRONT_CALLBACK_PATH`). This module imports nothing, so a
 * Pulumi program can use it without loading the front.
 */
export const FEDERATION_CALLBACK_PATH = "/federation/callback";
