import type * as auth0 from "@pulumi/auth0";
import { resourcePolicy } from "../policy.js";

/** Auth0 application types whose clients hold no secret. */
const PUBLIC_APP_TYPES = new Set(["native", "spa"]);

/**
 * A public client cannot keep a refresh token secret, so a stolen one must stop working: Auth0
 * must rotate it on every use (reuse detection) and let it expire.
 * @severity high
 * @link RFC 9700 §4.14.2 (public clients: rotation or sender-constrained refresh tokens); OAuth 2.1 §4.3.1
 */
export const auth0ClientPublicRefreshTokenRotation = resourcePolicy<auth0.ClientArgs>({
  name: "auth0-client-public-refresh-token-rotation",
  description: "Auth0 public clients (native, SPA) must use rotating, expiring refresh tokens.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "auth0:index/client:Client",
  validate(props, _config, report) {
    const publicClient = PUBLIC_APP_TYPES.has(String(props.appType ?? ""));
    const rt = props.refreshToken;
    if (!publicClient || !rt) return;
    if (rt.rotationType !== "rotating") {
      report(`Auth0 public client '${props.name}' uses '${rt.rotationType}' refresh tokens, so a stolen one stays usable; set 'refreshToken.rotationType: "rotating"'.`);
    }
    if (rt.expirationType !== "expiring" || rt.infiniteTokenLifetime === true) {
      report(`Auth0 public client '${props.name}' issues refresh tokens that never expire; set 'refreshToken.expirationType: "expiring"' with a 'tokenLifetime' and 'infiniteTokenLifetime: false'.`);
    }
  },
});
