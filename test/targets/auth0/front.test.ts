import * as pulumi from "@pulumi/pulumi";
import vm from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { crmArgs, DOMAIN } from "./fixtures.js";

const CALLBACK = "https://auth.example.com/federation/callback";
const T = {
  client: "auth0:index/client:Client",
  creds: "auth0:index/clientCredentials:ClientCredentials",
  action: "auth0:index/action:Action",
  trigger: "auth0:index/triggerAction:TriggerAction",
  connectionClients: "auth0:index/connectionClients:ConnectionClients",
} as const;

let mocks: MockHarness;
let mod: typeof import("../../../components/targets/auth0/index.js");
let component: import("../../../components/targets/auth0/index.js").Auth0McpAuth;

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) =>
      a.type === T.client ? { clientId: `${a.name}-client-id` } : a.type === T.creds ? { clientSecret: `${a.name}-secret` } : undefined,
  });
  mod = await import("../../../components/targets/auth0/index.js");
  component = new mod.Auth0McpAuth("crm", crmArgs({ front: { redirectUri: CALLBACK }, domainConnection: { name: "mcp-users" } }));
  await promiseOf(component.outputs);
  await mocks.settled();
});

/** Runs the post-login Action's code as Auth0 would, against a fake event and API. */
function runAction(code: string, clientId: string, roles: string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  const module = { exports: {} as { onExecutePostLogin?: (event: unknown, api: unknown) => Promise<void> } };
  vm.runInNewContext(code, { exports: module.exports, module });
  void module.exports.onExecutePostLogin!({ client: { client_id: clientId }, authorization: { roles } }, { idToken: { setCustomClaim: (k: string, v: unknown) => void (claims[k] = v) } });
  return claims;
}

describe("Auth0McpAuth with the authorization front", () => {
  it("creates a first-party, OIDC-conformant regular web client for the front with its exact callback and a client secret", () => {
    expect(mocks.byName("crm-front-upstream", T.client).inputs).toMatchObject({
      name: "crm MCP authorization front",
      appType: "regular_web",
      isFirstParty: true,
      oidcConformant: true,
      grantTypes: ["authorization_code"],
      callbacks: [CALLBACK],
      jwtConfiguration: { alg: "RS256" },
    });
    expect(mocks.byName("crm-front-upstream-credentials", T.creds).inputs).toEqual({ clientId: "crm-front-upstream-client-id", authenticationMethod: "client_secret_basic" });
  });

  it("binds a post-login Action that puts the user's declared roles in the front's ID tokens only", () => {
    const action = mocks.byName("crm-front-roles", T.action).inputs;
    expect(action).toMatchObject({ runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" } });
    expect(mocks.byName("crm-front-roles-binding", T.trigger).inputs).toEqual({ trigger: "post-login", actionId: "crm-front-roles-id" });
    const claim = "https://auth.example.com/roles";
    expect(runAction(action.code, "crm-front-upstream-client-id", ["CRM Sales", "Billing Viewer"])).toEqual({ [claim]: ["CRM Sales"] });
    expect(runAction(action.code, "some-other-client", ["CRM Sales"])).toEqual({});
  });

  it("enables the domain connection for the front's client", () => {
    expect(mocks.byName("crm-connection-clients", T.connectionClients).inputs.enabledClients).toContain("crm-front-upstream-client-id");
  });

  it("outputs the issuer, the client id, the client secret as a Pulumi secret and the role mapping", async () => {
    const up = component.frontUpstream!;
    expect(await promiseOf(up.issuer)).toBe(`https://${DOMAIN}/`);
    expect(await promiseOf(up.clientId)).toBe("crm-front-upstream-client-id");
    expect(await pulumi.isSecret(up.clientSecret)).toBe(true);
    expect(await promiseOf(up.clientSecret)).toBe("crm-front-upstream-credentials-secret");
    expect(await promiseOf(up.groupsClaim)).toBe("https://auth.example.com/roles");
    expect(await promiseOf(up.groups)).toEqual({ "CRM Admins": "crm-admins", "CRM Sales": "sales-reps", "CRM Sales Ops": "sales-ops" });
  });

  it("creates nothing for the front without the argument, and refuses a callback that is not an exact https URL", async () => {
    mocks.reset();
    const plain = new mod.Auth0McpAuth("plain", crmArgs());
    await promiseOf(plain.outputs);
    await mocks.settled();
    expect(plain.frontUpstream).toBeUndefined();
    expect(mocks.resources.some((r) => r.name.includes("front"))).toBe(false);
    expect(() => new mod.Auth0McpAuth("bad", crmArgs({ front: { redirectUri: "http://auth.example.com/federation/callback" } }))).toThrow(/args\.front\.redirectUri: expected an https URL/);
  });

  it("keeps McpAuthAuth0 as an alias of Auth0McpAuth", () => {
    expect(mod.McpAuthAuth0).toBe(mod.Auth0McpAuth);
  });
});
