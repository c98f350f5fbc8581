import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { CRM_ARGS, OKTA_MOCKS, ORG, crmDeclarations } from "./fixture.js";

const CALLBACK = "https://auth.example.com/federation/callback";
let mocks: MockHarness;
let Okta: typeof import("../../../components/targets/okta/component.js");
let component: import("../../../components/targets/okta/component.js").OktaMcpAuth;

beforeAll(async () => {
  mocks = await installMocks({
    ...OKTA_MOCKS,
    calls: { ...OKTA_MOCKS.calls, "okta:group/getEveryoneGroup:getEveryoneGroup": () => ({ id: "grp-everyone" }) },
  });
  Okta = await import("../../../components/targets/okta/component.js");
  component = new Okta.OktaMcpAuth("crm", { declarations: crmDeclarations(), ...CRM_ARGS, front: { redirectUri: CALLBACK } });
  await mocks.settled();
});

describe("OktaMcpAuth with the authorization front", () => {
  it("creates an OIDC web app for the front: authorization code, PKCE required, a client secret and the front's exact callback", () => {
    expect(mocks.byName("crm-front-upstream", "okta:app/oAuth:OAuth").inputs).toEqual({
      label: "crm MCP authorization front",
      type: "web",
      grantTypes: ["authorization_code"],
      responseTypes: ["code"],
      redirectUris: [CALLBACK],
      pkceRequired: true,
      tokenEndpointAuthMethod: "client_secret_basic",
      consentMethod: "TRUSTED",
      omitSecret: false,
    });
  });

  it("signs users in through a dedicated authorization server whose ID tokens carry a groups claim limited to the plan's groups", () => {
    expect(mocks.byName("crm-front-signin", "okta:auth/server:Server").inputs).toMatchObject({ audiences: ["https://auth.example.com"], issuerMode: "ORG_URL", status: "ACTIVE" });
    expect(mocks.byName("crm-front-groups", "okta:auth/serverClaim:ServerClaim").inputs).toEqual({
      authServerId: "crm-front-signin-id",
      name: "groups",
      claimType: "IDENTITY",
      valueType: "GROUPS",
      groupFilterType: "REGEX",
      value: "^(?:CRM Admins|CRM Sales|CRM Sales Ops)$",
      alwaysIncludeInToken: true,
      status: "ACTIVE",
    });
    expect(mocks.byName("crm-front-signin-policy", "okta:auth/serverPolicy:ServerPolicy").inputs).toMatchObject({ clientWhitelists: ["crm-front-upstream-cid"], priority: 1 });
    expect(mocks.byName("crm-front-signin-rule", "okta:auth/serverPolicyRule:ServerPolicyRule").inputs).toMatchObject({
      policyId: "crm-front-signin-policy-id",
      grantTypeWhitelists: ["authorization_code"],
      scopeWhitelists: ["openid", "profile", "email"],
      groupWhitelists: ["EVERYONE"],
    });
  });

  it("assigns the front's app to every declared group", () => {
    const assigned = mocks.ofType("okta:app/groupAssignment:GroupAssignment").filter((r) => r.inputs.appId === "crm-front-upstream-id").map((r) => r.inputs.groupId).sort();
    expect(assigned).toEqual(["grp-crm-admins", "grp-crm-sales", "grp-crm-sales-ops"]);
  });

  it("outputs the issuer, the client id, the client secret as a Pulumi secret and the group mapping", async () => {
    const up = component.frontUpstream!;
    expect(await promiseOf(up.issuer)).toBe(`${ORG}/oauth2/crm-front-signin-id`);
    expect(await promiseOf(up.clientId)).toBe("crm-front-upstream-cid");
    expect(await pulumi.isSecret(up.clientSecret)).toBe(true);
    expect(await promiseOf(up.clientSecret)).toBe("crm-front-upstream-secret");
    expect(await promiseOf(up.groupsClaim)).toBe("groups");
    expect(await promiseOf(up.groups)).toEqual({ "CRM Admins": "crm-admins", "CRM Sales": "sales-reps", "CRM Sales Ops": "sales-ops" });
  });

  it("assigns the Everyone group when the plan declares no groups, and creates nothing for the front without the argument", async () => {
    mocks.reset();
    const d = crmDeclarations();
    delete (d as { groups?: unknown }).groups;
    delete (d as { dev?: unknown }).dev;
    new Okta.OktaMcpAuth("nogroups", { declarations: d, ...CRM_ARGS, front: { redirectUri: CALLBACK } });
    await mocks.settled();
    expect(mocks.ofType("okta:app/groupAssignment:GroupAssignment").filter((r) => r.inputs.appId === "nogroups-front-upstream-id").map((r) => r.inputs.groupId)).toEqual(["grp-everyone"]);
    expect(mocks.ofType("okta:auth/serverClaim:ServerClaim").some((r) => r.name === "nogroups-front-groups")).toBe(false);
    mocks.reset();
    const plain = new Okta.OktaMcpAuth("plain", { declarations: crmDeclarations(), ...CRM_ARGS });
    await mocks.settled();
    expect(plain.frontUpstream).toBeUndefined();
    expect(mocks.resources.some((r) => r.name.includes("front"))).toBe(false);
  });

  it("refuses a callback that is not an exact https URL before creating anything", () => {
    for (const bad of ["http://auth.example.com/federation/callback", "https://*.example.com/federation/callback", "https://auth.example.com/federation/callback#x", "auth.example.com"]) {
      expect(() => new Okta.OktaMcpAuth("bad", { declarations: crmDeclarations(), ...CRM_ARGS, front: { redirectUri: bad } }), bad).toThrow(/args\.front\.redirectUri: /);
    }
  });
});
