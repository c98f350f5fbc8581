import { beforeAll, describe, expect, it } from "vitest";
import { installMocks } from "../../support/pulumi-mocks.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";

/**
 * docs/entra.md: "a mistake fails `pulumi preview` with an `EntraArgsError` naming the field". The
 * checks that go beyond the zod schema (names the plan must know, assignmentRequired, verified
 * domains) throw the same error class, so a caller can tell an argument mistake from anything else.
 */

const plan = compile(crm);
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
let entra: typeof import("../../../components/targets/entra/index.js");

beforeAll(async () => {
  await installMocks();
  entra = await import("../../../components/targets/entra/index.js");
});

describe("EntraMcpAuth argument mistakes", () => {
  it("reports every argument mistake as an EntraArgsError naming the field", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ tenantId: "contoso.com" }, /tenantId: expected a GUID/],
      [{ tenantId: TENANT, servers: ["nope"] }, /servers names 'nope'.*known: crm, crm-admin/],
      [{ tenantId: TENANT, groupObjectIds: { marketing: TENANT } }, /groupObjectIds names 'marketing'/],
      [{ tenantId: TENANT, existingClients: { "verified-cursor": TENANT } }, /existingClients names 'verified-cursor'/],
      [{ tenantId: TENANT, verifiedDomains: ["example.com"], assignmentRequired: true }, /assignmentRequired needs an object ID/],
      [{ tenantId: TENANT, verifiedDomains: ["contoso.com"] }, /identifier URI not allowed by Entra/],
    ];
    for (const [args, message] of cases) {
      let error: unknown;
      try {
        new entra.EntraMcpAuth("bad", { plan, ...args } as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(args)).toBeInstanceOf(entra.EntraArgsError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
