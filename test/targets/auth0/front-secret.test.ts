import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf } from "../../support/pulumi-mocks.js";
import { crmArgs } from "./fixtures.js";

/**
 * The front's upstream client secret is `auth0.ClientCredentials.clientSecret`, which the provider
 * reads back from Auth0 only when its Management API client holds `read:client_keys` (or
 * `read:client_credentials`); otherwise it is an empty string (the provider's documentation). An
 * empty secret would deploy a front whose every sign-in fails with `invalid_client`, so the
 * deployment must fail instead, naming the missing scope (docs/auth0.md, the example stack's keys).
 */

let Auth0McpAuth: typeof import("../../../components/targets/auth0/index.js").Auth0McpAuth;

beforeAll(async () => {
  await installMocks({
    state: (a) =>
      a.type === "auth0:index/client:Client" ? { clientId: `${a.name}-client-id` } : a.type === "auth0:index/clientCredentials:ClientCredentials" ? { clientSecret: "" } : undefined,
  });
  ({ Auth0McpAuth } = await import("../../../components/targets/auth0/index.js"));
});

describe("Auth0McpAuth front secret", () => {
  it("fails the deployment, naming read:client_keys, when Auth0 hands back an empty client secret", async () => {
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const errors: string[] = [];
    process.on("unhandledRejection", (e) => void errors.push(String(e instanceof Error ? e.message : e)));
    let secretError = "";
    try {
      const auth = new Auth0McpAuth("crm", crmArgs({ front: { redirectUri: "https://auth.example.com/federation/callback" } }));
      secretError = await promiseOf(pulumi.unsecret(auth.frontUpstream!.clientSecret), 1500).then(
        () => "",
        (e: unknown) => String(e instanceof Error ? e.message : e),
      );
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.removeAllListeners("unhandledRejection");
      for (const l of saved) process.on("unhandledRejection", l);
    }
    expect([secretError, ...errors].join("\n")).toMatch(/empty client secret.*read:client_keys/s);
  });
});
