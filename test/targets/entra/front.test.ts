import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { uuidV5 } from "../../../components/targets/entra/ids.js";

const plan = compile(crm);
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CALLBACK = "https://auth.example.com/federation/callback";
const SALES_REPS = "aaaaaaaa-0000-4000-8000-000000000001";
const ADMINS = "aaaaaaaa-0000-4000-8000-000000000003";
/** Entra client and object ids are GUIDs (the edge config checks): deterministic ones per resource. */
const guidFor = (name: string, kind: string) => uuidV5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", `${kind}:${name}`);
const T = {
  app: "azuread:index/application:Application",
  sp: "azuread:index/servicePrincipal:ServicePrincipal",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  password: "azuread:index/applicationPassword:ApplicationPassword",
} as const;

let mocks: MockHarness;
let EntraMcpAuth: typeof import("../../../components/targets/entra/component.js").EntraMcpAuth;
let component: InstanceType<typeof EntraMcpAuth>;
const one = (type: string, name: string) => {
  const found = mocks.ofType(type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named '${name}', found ${found.length}`);
  return found[0]!;
};

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => {
      if (a.type === T.app) return { clientId: guidFor(a.name, "client"), objectId: guidFor(a.name, "object") };
      if (a.type === T.sp) return { objectId: guidFor(a.name, "sp") };
      if (a.type === T.password) return { value: `${a.name}-value` };
      return undefined;
    },
  });
  ({ EntraMcpAuth } = await import("../../../components/targets/entra/component.js"));
  component = new EntraMcpAuth("crm", {
    plan,
    tenantId: TENANT,
    verifiedDomains: ["example.com"],
    groupObjectIds: { "sales-reps": SALES_REPS, "crm-admins": ADMINS },
    front: { redirectUri: CALLBACK },
  });
  await promiseOf(component.servers);
  await mocks.settled();
});

describe("EntraMcpAuth requests the idtyp optional claim", () => {
  it("asks Entra for idtyp in the access tokens of every server application, so app-only tokens say idtyp=app", () => {
    for (const name of ["crm-crm", "crm-crm-admin"]) expect(one(T.app, name).inputs.optionalClaims).toEqual({ accessTokens: [{ name: "idtyp" }] });
  });
});

describe("EntraMcpAuth with the authorization front", () => {
  it("registers a single-tenant web application with the front's exact callback, group claims for assigned groups and the OpenID Connect permissions", () => {
    expect(one(T.app, "crm-front-upstream").inputs).toMatchObject({
      displayName: "crm MCP: authorization front",
      signInAudience: "AzureADMyOrg",
      web: { redirectUris: [CALLBACK], implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
      fallbackPublicClientEnabled: false,
      groupMembershipClaims: ["ApplicationGroup"],
      requiredResourceAccesses: [
        {
          resourceAppId: "00000003-0000-0000-c000-000000000000",
          resourceAccesses: [
            { id: "37f7f235-527c-4136-accd-4a02d197296e", type: "Scope" },
            { id: "14dad69e-099b-42c9-810b-d002981feec1", type: "Scope" },
            { id: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", type: "Scope" },
          ],
        },
      ],
    });
  });

  it("lets only members of the declared groups sign in: assignment required, one default-access assignment per group with an object ID", () => {
    expect(one(T.sp, "crm-front-upstream").inputs).toMatchObject({ clientId: guidFor("crm-front-upstream", "client"), appRoleAssignmentRequired: true });
    const assignments = mocks.ofType(T.assignment).filter((r) => r.name.startsWith("crm-front-upstream-"));
    expect(assignments.map((r) => [r.inputs.principalObjectId, r.inputs.appRoleId, r.inputs.resourceObjectId]).sort()).toEqual([
      [SALES_REPS, "00000000-0000-0000-0000-000000000000", guidFor("crm-front-upstream", "sp")],
      [ADMINS, "00000000-0000-0000-0000-000000000000", guidFor("crm-front-upstream", "sp")],
    ].sort());
    expect(one(T.password, "crm-front-upstream-secret").inputs).toEqual({ applicationId: "crm-front-upstream-id", displayName: "pulumi-mcp-auth authorization front" });
  });

  it("outputs the v2 tenant issuer, the client id, the client secret as a Pulumi secret and group object id → plan group", async () => {
    const up = component.frontUpstream!;
    expect(await promiseOf(up.issuer)).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(await promiseOf(up.clientId)).toBe(guidFor("crm-front-upstream", "client"));
    expect(await pulumi.isSecret(up.clientSecret)).toBe(true);
    expect(await promiseOf(up.clientSecret)).toBe("crm-front-upstream-secret-value");
    expect(await promiseOf(up.groupsClaim)).toBe("groups");
    expect(await promiseOf(up.groups)).toEqual({ [SALES_REPS]: "sales-reps", [ADMINS]: "crm-admins" });
  });

  it("creates nothing for the front without the argument, and refuses a callback that is not an exact https URL", async () => {
    mocks.reset();
    const plain = new EntraMcpAuth("plain", { plan, tenantId: TENANT, verifiedDomains: ["example.com"] });
    await promiseOf(plain.servers);
    await mocks.settled();
    expect(plain.frontUpstream).toBeUndefined();
    expect(mocks.resources.some((r) => r.name.includes("front"))).toBe(false);
    expect(() => new EntraMcpAuth("bad", { plan, tenantId: TENANT, verifiedDomains: ["example.com"], front: { redirectUri: "https://auth.example.com/cb#frag" } })).toThrow(/front\.redirectUri: a redirect URI cannot have a fragment/);
  });
});
