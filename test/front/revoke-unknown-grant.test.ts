import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";
import { runCli } from "../support/cli.js";

/**
 * docs/cli.md, `revoke`: "A grant id for which the front holds neither the grant nor a consent record
 * listing it ... is reported as not found." What the command prints must agree: nothing was destroyed.
 */
let fx: DynamoFixture;
beforeAll(async () => {
  fx = await dynamoFixture();
});
afterAll(async () => {
  await fx.close();
});

describe("pulumi-mcp-auth revoke --grant", () => {
  it("reports no grant destroyed for a grant id the front does not know, and still records the revocation", async () => {
    const { store, tableName } = await fx.table();
    const before = Math.floor(Date.now() / 1000);
    const r = await runCli(["revoke", "--grant", "g-nobody", "--table", tableName, "--endpoint", fx.local.endpoint]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("  grants destroyed: 0 (with their codes, access and refresh tokens)\n");
    expect(r.stdout).toContain("consents removed: 0");
    expect(r.stdout).toContain("the grant was not found");
    expect((await store.listRevocations(before)).map((x) => [x.kind, x.id])).toEqual([["grant", "g-nobody"]]);
  });
});
