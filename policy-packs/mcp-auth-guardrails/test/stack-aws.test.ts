import { describe, expect, it } from "vitest";
import { awsState } from "../../../test/targets/aws/fixtures.js";
import { promiseOf } from "../../../test/support/pulumi-mocks.js";
import { mandatoryViolations, stackResources } from "./stack-harness.js";

function oktaState(args: { type: string; name: string }): Record<string, unknown> | undefined {
  if (args.type === "okta:auth/server:Server") return { issuer: `https://acme.okta.com/oauth2/${args.name}-id` };
  if (args.type === "okta:app/oAuth:OAuth") return { clientId: `${args.name}-client`, clientSecret: `${args.name}-secret` };
  return undefined;
}

describe("the AWS edge example stack under the policy pack", () => {
  it("produces no mandatory violation: the edge Lambda keeps its audit log and logs at INFO", async () => {
    const resources = await stackResources(
      async () => {
        // The component builds the edge bundle before it creates the Lambda: wait for an output that needs it.
        const stack = await import("../../../stacks/aws/index.js");
        await promiseOf(stack.servers, 60_000);
        await promiseOf(stack.alarms, 60_000);
      },
      {
        "mcp-auth:jwksSnapshot": "false",
        "mcp-auth:nightlyDigestJwksUri": "https://agents.example.com/nightly-digest/jwks.json",
      },
      { state: (a) => awsState(a) ?? oktaState(a), calls: { "okta:group/getGroup:getGroup": (inputs) => ({ id: `grp-${inputs.name}`, name: inputs.name }) } },
    );
    const fns = resources.filter((r) => r.type === "aws:lambda/function:Function");
    expect(fns).toHaveLength(1);
    expect(await mandatoryViolations(resources)).toEqual({});
  }, 60_000);
});
