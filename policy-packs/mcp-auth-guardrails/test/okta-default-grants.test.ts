import { describe, expect, it } from "vitest";
import { oktaAppOauthPkceRequired } from "../src/okta/appOauthPkceRequired.js";
import { violations } from "./harness.js";

/**
 * `grantTypes` is optional on okta.app.OAuth: the provider then applies "the minimum requirements per
 * app type", the authorization-code grant for web, native and browser apps. Leaving it out must not
 * take an app past the PKCE policy.
 */
const app = (over: Record<string, unknown>) => ({
  type: "okta:app/oAuth:OAuth",
  name: "a",
  props: { label: "Portal", redirectUris: ["https://portal.example.com/callback"], ...over },
});

describe("okta-app-oauth-pkce-required without grantTypes", () => {
  it("blocks a web, native or browser app that leaves grantTypes to the provider's default and does not require PKCE", async () => {
    for (const type of ["web", "native", "browser"]) {
      expect(await violations(oktaAppOauthPkceRequired, app({ type })), type).toEqual([
        "Okta app 'Portal' uses the authorization-code grant without 'pkceRequired: true'; require PKCE (S256).",
      ]);
    }
  });

  it("passes such an app when it requires PKCE, and a service app (client credentials) without it", async () => {
    expect(await violations(oktaAppOauthPkceRequired, app({ type: "web", pkceRequired: true }))).toEqual([]);
    expect(await violations(oktaAppOauthPkceRequired, app({ type: "service", redirectUris: undefined }))).toEqual([]);
  });
});
