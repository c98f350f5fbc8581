/**
 * The front's discovery document and endpoint list, as docs/front.md states them ("Tokens" and
 * "Library": the endpoints, what discovery advertises).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveCrmFront } from "./helpers.js";

let issuer: string;
let metadata: Record<string, unknown>;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ issuer, close } = await serveCrmFront());
  metadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
});
afterAll(() => close());

describe("the front's discovery document", () => {
  it("is the same at the RFC 8414 and the OpenID Connect well-known paths, with the front's issuer", async () => {
    const oidc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(oidc).toEqual(metadata);
    expect(metadata["issuer"]).toBe(issuer);
  });

  it("names the documented endpoints: /auth, /token, /reg, /token/introspection, /token/revocation and /jwks", () => {
    expect(metadata).toMatchObject({
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/reg`,
      introspection_endpoint: `${issuer}/token/introspection`,
      revocation_endpoint: `${issuer}/token/revocation`,
      jwks_uri: `${issuer}/jwks`,
    });
  });

  it("names every OAuth endpoint docs/front.md lists, and docs/front.md lists every one it names", () => {
    const doc = readFileSync(new URL("../../docs/front.md", import.meta.url), "utf8").replace(/\s+/g, " ");
    const listed = /Endpoints: (.*?), discovery,/.exec(doc)![1]!.split(", ").map((e) => e.replace(/`/g, ""));
    const advertised = Object.entries(metadata)
      .filter(([k, v]) => (k.endsWith("_endpoint") || k === "jwks_uri") && typeof v === "string")
      .map(([, v]) => (v as string).slice(issuer.length));
    expect(listed.sort()).toEqual(advertised.sort());
  });

  it("tells clients to authenticate at the revocation and introspection endpoints as at the token endpoint, a public client by client_id included (RFC 8414 §2 would otherwise mean client_secret_basic only)", () => {
    expect(metadata["token_endpoint_auth_methods_supported"]).toEqual(expect.arrayContaining(["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]));
    for (const endpoint of ["revocation", "introspection"]) {
      expect(metadata[`${endpoint}_endpoint_auth_methods_supported`], endpoint).toEqual(metadata["token_endpoint_auth_methods_supported"]);
      expect(metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`], endpoint).toEqual(metadata["token_endpoint_auth_signing_alg_values_supported"]);
    }
  });

  it("advertises no DPoP, since the edge accepts only Bearer tokens and would not enforce a DPoP binding", () => {
    expect(metadata).not.toHaveProperty("dpop_signing_alg_values_supported");
  });

  it("advertises no pushed authorization request endpoint, and the front serves none", async () => {
    expect(metadata).not.toHaveProperty("pushed_authorization_request_endpoint");
    const res = await fetch(`${issuer}/request`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "client_id=claude-code&response_type=code" });
    expect(res.status).toBe(404);
  });

  it("advertises the authorization code, refresh token and client credentials grants and the code response type only", () => {
    expect(metadata["response_types_supported"]).toEqual(["code"]);
    expect([...(metadata["grant_types_supported"] as string[])].sort()).toEqual(["authorization_code", "client_credentials", "refresh_token"]);
  });
});
