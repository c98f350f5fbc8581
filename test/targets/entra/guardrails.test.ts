import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { entraApplicationAccessTokenV2 } from "../../../policy-packs/mcp-auth-guardrails/src/entra/applicationAccessTokenV2.js";
import { entraApplicationCanonicalIdentifierUris } from "../../../policy-packs/mcp-auth-guardrails/src/entra/applicationCanonicalIdentifierUris.js";
import { entraApplicationNoImplicitGrant } from "../../../policy-packs/mcp-auth-guardrails/src/entra/applicationNoImplicitGrant.js";
import { entraApplicationScopesNoOmnibus } from "../../../policy-packs/mcp-auth-guardrails/src/entra/applicationScopesNoOmnibus.js";
import { violations } from "../../../policy-packs/mcp-auth-guardrails/test/harness.js";

/** What the Entra component creates passes the policy pack's Entra resource policies. */

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
let mocks: MockHarness;

beforeAll(async () => {
  mocks = await installMocks({ state: () => ({ clientId: "0d3c5f0e-1c1a-4b5e-9a57-1f3c2b4d5e6f", objectId: "o" }) });
  const { EntraMcpAuth } = await import("../../../components/targets/entra/component.js");
  const auth = new EntraMcpAuth("crm", { plan: compile(crm), tenantId: TENANT, verifiedDomains: ["example.com"] });
  await promiseOf(auth.servers);
  await mocks.settled();
});

describe("Entra component against the guardrail policies", () => {
  it("creates applications that no Entra resource policy flags", async () => {
    const apps = mocks.ofType("azuread:index/application:Application");
    expect(apps).toHaveLength(5); // two servers, two verified clients, one agent
    for (const policy of [entraApplicationAccessTokenV2, entraApplicationCanonicalIdentifierUris, entraApplicationNoImplicitGrant, entraApplicationScopesNoOmnibus]) {
      for (const a of apps) expect(await violations(policy, { type: a.type, name: a.name, props: a.inputs }), `${policy.name} on ${a.name}`).toEqual([]);
    }
  });
});
