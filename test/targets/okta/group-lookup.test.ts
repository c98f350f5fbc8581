import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, type MockHarness } from "../../support/pulumi-mocks.js";
import { CRM_ARGS, OKTA_MOCKS, crmDeclarations } from "./fixture.js";

/**
 * docs/okta.md: groups without an id in `groupIds` are "looked up by the group's `idpGroup` name;
 * fails the preview if the group does not exist". Okta's group search (`q`) is a prefix match, and
 * the provider's `okta.group.getGroup` keeps a lone non-exact match (it only logs a warning). So
 * when `CRM Sales` does not exist but `CRM Sales Ops` does, the lookup answers with `CRM Sales Ops`,
 * and that group's members would get `CRM Sales`'s scopes. The target must refuse that answer.
 */

let mocks: MockHarness;
let Okta: typeof import("../../../components/targets/okta/component.js");

/** Okta's answer to a name search in an org that has `CRM Sales Ops` but no `CRM Sales`. */
const prefixMatchingOrg = (inputs: Record<string, any>) => {
  const name = inputs.name === "CRM Sales" ? "CRM Sales Ops" : String(inputs.name);
  return { id: `grp-${name.replace(/\W+/g, "-").toLowerCase()}`, name };
};

beforeAll(async () => {
  mocks = await installMocks({ ...OKTA_MOCKS, calls: { "okta:group/getGroup:getGroup": prefixMatchingOrg } });
  Okta = await import("../../../components/targets/okta/component.js");
});

/** Builds the component and collects the errors Pulumi would fail the deployment with. */
async function deploymentErrors(build: () => void): Promise<string[]> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const errors: string[] = [];
  process.on("unhandledRejection", (e) => void errors.push(String(e instanceof Error ? e.message : e)));
  try {
    build();
    for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await mocks.settled();
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of saved) process.on("unhandledRejection", l);
  }
  return errors;
}

describe("OktaMcpAuth group lookup", () => {
  it("fails the deployment when Okta's lookup answers with a group of another name, and never assigns that group", async () => {
    mocks.reset();
    const errors = await deploymentErrors(() => new Okta.OktaMcpAuth("prefix", { declarations: crmDeclarations(), ...CRM_ARGS }));
    expect(errors.join("\n")).toMatch(/no Okta group is named 'CRM Sales'.*'CRM Sales Ops'.*groupIds/s);
    const assigned = mocks.ofType("okta:app/groupAssignment:GroupAssignment").map((r) => r.inputs.groupId);
    const whitelisted = mocks.ofType("okta:auth/serverPolicyRule:ServerPolicyRule").flatMap((r) => r.inputs.groupWhitelists as string[]);
    // CRM Sales Ops is still assigned for its own plan group, but only once per app: never as CRM Sales.
    expect(assigned.filter((id) => id === "grp-crm-sales-ops").length).toBeLessThanOrEqual(2);
    expect(mocks.ofType("okta:app/groupAssignment:GroupAssignment").map((r) => r.name).filter((n) => n.endsWith("-sales-reps"))).toEqual([]);
    expect(whitelisted.filter((id) => id === "grp-crm-sales-ops").length).toBeLessThanOrEqual(2);
  });

  it("uses the looked-up id when the group's name matches exactly", async () => {
    mocks.reset();
    const errors = await deploymentErrors(() => new Okta.OktaMcpAuth("exact", { declarations: crmDeclarations(), ...CRM_ARGS, groupIds: { "sales-reps": "00g-sales-reps" } }));
    expect(errors).toEqual([]);
    expect(mocks.calls.map((c) => c.inputs.name).sort()).toEqual(["CRM Admins", "CRM Sales Ops"]);
    const assigned = mocks.ofType("okta:app/groupAssignment:GroupAssignment").map((r) => r.inputs.groupId);
    expect(new Set(assigned)).toEqual(new Set(["00g-sales-reps", "grp-crm-sales-ops", "grp-crm-admins"]));
  });
});
