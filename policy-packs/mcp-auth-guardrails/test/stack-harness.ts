import type { Policy } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, type MockOptions } from "../../../test/support/pulumi-mocks.js";
import { policies } from "../src/policies.js";
import { violations, type FakeResource } from "./harness.js";

/**
 * Runs an example stack under Pulumi mocks with the given stack config and returns every resource
 * it registered (components included, with their inputs), in the shape the policies see.
 */
export async function stackResources(load: () => Promise<unknown>, config: Record<string, string>, mockOptions: MockOptions = {}): Promise<FakeResource[]> {
  const mocks = await installMocks(mockOptions);
  pulumi.runtime.setAllConfig(config);
  await load();
  const recorded = await mocks.settled(200);
  // Policies see the provider-checked inputs, which carry a Lambda's autoname; the mocks name the
  // function after its resource (test/targets/aws/fixtures.ts), so give the props that name.
  const autonamed = (r: { type: string; name: string; inputs: Record<string, unknown> }) =>
    r.type === "aws:lambda/function:Function" && r.inputs.name === undefined ? { ...r.inputs, name: r.name } : r.inputs;
  return recorded.map((r) => ({ type: r.type, name: r.name, props: autonamed(r) }));
}

/** Violations of mandatory policies only, by policy name. */
export async function mandatoryViolations(resources: readonly FakeResource[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const p of policies as Policy[]) {
    if (p.enforcementLevel !== "mandatory") continue;
    const v = await violations(p, resources);
    if (v.length > 0) out[p.name] = v;
  }
  return out;
}
