import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";

/** The example stack is a real program: it runs under mocks with the documented config keys. */

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
let mocks: MockHarness;
let stack: typeof import("../../../stacks/entra/index.js");

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => (a.type === "azuread:index/application:Application" ? { clientId: "0d3c5f0e-1c1a-4b5e-9a57-1f3c2b4d5e6f", objectId: "o" } : { objectId: `${a.name}-oid` }),
  });
  pulumi.runtime.setAllConfig({
    "azuread:tenantId": TENANT,
    "mcp-auth:verifiedDomains": JSON.stringify(["example.com"]),
    "mcp-auth:groupObjectIds": JSON.stringify({ "crm-admins": "aaaaaaaa-0000-4000-8000-000000000003" }),
  });
  stack = await import("../../../stacks/entra/index.js");
});

describe("stacks/entra", () => {
  it("provisions both CRM servers from the config keys without any data-source call", async () => {
    const servers = await promiseOf(stack.servers);
    expect(Object.keys(servers)).toEqual(["crm", "crm-admin"]);
    expect(servers["crm-admin"]!.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    await mocks.settled();
    expect(mocks.calls).toEqual([]);
    const assignments = mocks.ofType("azuread:index/appRoleAssignment:AppRoleAssignment").map((a) => a.name);
    expect(assignments.filter((n) => !n.includes("-agent-")).sort()).toEqual(["crm-crm-admin-crm-admins", "crm-crm-crm-admins"]);
    // The nightly-digest agent: one application-permission assignment per agent scope on crm, none on crm-admin.
    expect(assignments.filter((n) => n.startsWith("crm-crm-agent-nightly-digest-"))).toHaveLength(4);
    expect(assignments.filter((n) => n.startsWith("crm-crm-admin-agent-"))).toEqual([]);
    expect(stack.capabilities.target).toBe("entra");
  });
});
