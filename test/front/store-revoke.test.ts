import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoStore } from "../../components/front/store/dynamodb.js";
import type { FrontStore } from "../../components/front/store/types.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";
import { runCli } from "../support/cli.js";

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await dynamoFixture();
});
afterAll(async () => {
  await fx.close();
});

const CRM = "https://mcp.example.com/crm";
const ADMIN = "https://mcp.example.com/crm-admin";

/** Alice and Bob, each with a grant (code, access and refresh token) per client and server. */
async function seed(store: FrontStore): Promise<void> {
  const grants: Array<[string, string, string, string]> = [
    ["g-alice-vscode", "alice", "vscode", CRM],
    ["g-alice-claude", "alice", "claude-code", ADMIN],
    ["g-bob-vscode", "bob", "vscode", CRM],
  ];
  for (const [g, sub, client, resource] of grants) {
    await store.adapter("Grant").upsert(g, { kind: "Grant", jti: g, accountId: sub, clientId: client }, 3600);
    await store.adapter("AccessToken").upsert(`at-${g}`, { kind: "AccessToken", jti: `at-${g}`, grantId: g, accountId: sub }, 300);
    await store.adapter("RefreshToken").upsert(`rt-${g}`, { kind: "RefreshToken", jti: `rt-${g}`, grantId: g, accountId: sub }, 86_400);
    await store.adapter("AuthorizationCode").upsert(`ac-${g}`, { kind: "AuthorizationCode", jti: `ac-${g}`, grantId: g, accountId: sub }, 60);
    await store.putConsent({ sub, clientId: client, resource, scopes: { "crm:customers:read": 1_800_000_000 }, grantIds: [g], updatedAt: 1_800_000_000 });
  }
}

async function alive(store: FrontStore, g: string): Promise<boolean[]> {
  return Promise.all([
    store.adapter("Grant").find(g),
    store.adapter("AccessToken").find(`at-${g}`),
    store.adapter("RefreshToken").find(`rt-${g}`),
    store.adapter("AuthorizationCode").find(`ac-${g}`),
  ]).then((xs) => xs.map(Boolean));
}

const cli = (...args: string[]) => runCli(["revoke", ...args]);

describe("pulumi-mcp-auth revoke", () => {
  it("--user destroys every grant and token of the user, removes the consents, records the revocation and prints what it revoked", async () => {
    const { store, tableName } = await fx.table();
    await seed(store);
    const before = Math.floor(Date.now() / 1000);
    const r = await cli("--user", "alice", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Revoked user 'alice' at \d{4}-/);
    expect(r.stdout).toContain("grants destroyed: 2");
    expect(r.stdout).toContain(`alice → vscode on ${CRM}`);
    expect(r.stdout).toContain(`alice → claude-code on ${ADMIN}`);
    expect(r.stdout).not.toMatch(/at-g|rt-g|ac-g/);
    expect(await alive(store, "g-alice-vscode")).toEqual([false, false, false, false]);
    expect(await alive(store, "g-alice-claude")).toEqual([false, false, false, false]);
    expect(await alive(store, "g-bob-vscode")).toEqual([true, true, true, true]);
    expect(await store.listConsentsBySub("alice")).toEqual([]);
    const revocations = await store.listRevocations(before);
    expect(revocations).toEqual([expect.objectContaining({ kind: "user", id: "alice", by: "admin" })]);
    // Kept as long as the front keeps the records it writes itself: past any refresh token the rules allow.
    expect(revocations[0]!.expiresAt - revocations[0]!.at).toBe(90 * 86_400);
  });

  it("--client revokes every user's grants given to that client only", async () => {
    const { store, tableName } = await fx.table();
    await seed(store);
    const r = await cli("--client", "vscode", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("grants destroyed: 2");
    expect(await alive(store, "g-alice-vscode")).toEqual([false, false, false, false]);
    expect(await alive(store, "g-bob-vscode")).toEqual([false, false, false, false]);
    expect(await alive(store, "g-alice-claude")).toEqual([true, true, true, true]);
    expect(await store.listConsentsByClient("vscode")).toEqual([]);
  });

  it("--grant revokes one grant and its consent", async () => {
    const { store, tableName } = await fx.table();
    await seed(store);
    const r = await cli("--grant", "g-bob-vscode", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Revoked grant 'g-bob-vscode'");
    expect(await alive(store, "g-bob-vscode")).toEqual([false, false, false, false]);
    expect(await alive(store, "g-alice-vscode")).toEqual([true, true, true, true]);
    expect(await store.getConsent("bob", "vscode", CRM)).toBeUndefined();
  });

  it("--grant revokes a consent written before the store kept consent-by-grant links, found through the grant's account", async () => {
    const { store, tableName } = await fx.table();
    await seed(store);
    await store.putConsent({ sub: "bob", clientId: "vscode", resource: CRM, scopes: { "crm:customers:read": 1_800_000_000 }, grantIds: ["g-bob-vscode", "g-bob-older"], updatedAt: 1_800_000_000 });
    // An older release wrote no links: remove them, as on a table that release filled.
    for (const g of ["g-bob-vscode", "g-bob-older"]) {
      const links = await fx.client.call("Query", { TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: `consentgrant#${g}` } }, ConsistentRead: true });
      for (const item of links.Items ?? []) await fx.client.call("DeleteItem", { TableName: tableName, Key: { pk: item["pk"]!, sk: item["sk"]! } });
    }
    expect(await store.listConsentsByGrant("g-bob-vscode")).toEqual([]);
    const before = Math.floor(Date.now() / 1000);
    const r = await cli("--grant", "g-bob-vscode", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`consents removed: 1\n    - bob → vscode on ${CRM}`);
    expect(await store.getConsent("bob", "vscode", CRM)).toBeUndefined();
    expect((await store.listRevocations(before)).map((x) => [x.kind, x.id]).sort()).toEqual([["grant", "g-bob-older"], ["grant", "g-bob-vscode"]]);
  });

  it("--grant of a grant that has expired still revokes the consent it came from, with the consent's other grants, and records each grant for the edge", async () => {
    // Seeded two hours ago: the grant (one hour) has expired, its refresh token (one day) has not.
    const past = Date.now() - 2 * 3_600_000;
    const { store, tableName } = await fx.table(() => past);
    await seed(store);
    for (const [m, ttl] of [["Grant", 86_400], ["AccessToken", 86_400], ["RefreshToken", 86_400]] as const) {
      const jti = m === "Grant" ? "g-bob-vscode-2" : `${m === "AccessToken" ? "at" : "rt"}-g-bob-vscode-2`;
      await store.adapter(m).upsert(jti, { kind: m, jti, ...(m === "Grant" ? { accountId: "bob", clientId: "vscode" } : { grantId: "g-bob-vscode-2", accountId: "bob" }) }, ttl);
    }
    await store.putConsent({ sub: "bob", clientId: "vscode", resource: CRM, scopes: { "crm:customers:read": 1_800_000_000 }, grantIds: ["g-bob-vscode", "g-bob-vscode-2"], updatedAt: 1_800_000_000 });
    const now = createDynamoStore({ client: fx.client, tableName });
    expect(await now.adapter("Grant").find("g-bob-vscode")).toBeUndefined();
    expect(await now.adapter("RefreshToken").find("rt-g-bob-vscode")).toBeDefined();
    const before = Math.floor(Date.now() / 1000);

    const r = await cli("--grant", "g-bob-vscode", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("grants destroyed: 2");
    expect(r.stdout).toContain(`consents removed: 1\n    - bob → vscode on ${CRM}`);
    expect(r.stdout).toContain("the grant itself was no longer held (expired, or revoked before); its consent was found by the grant id.");
    expect(r.stdout).not.toContain("was not found");
    expect(r.stdout).toContain("tokens of this grant and of the consent's 1 other grant issued until now are refused.");
    expect(await now.getConsent("bob", "vscode", CRM)).toBeUndefined();
    expect(await now.listConsentsByGrant("g-bob-vscode")).toEqual([]);
    expect(await now.adapter("RefreshToken").find("rt-g-bob-vscode")).toBeUndefined();
    expect(await Promise.all(["Grant", "RefreshToken"].map((m) => now.adapter(m).find(m === "Grant" ? "g-bob-vscode-2" : "rt-g-bob-vscode-2")))).toEqual([undefined, undefined]);
    expect((await now.listRevocations(before)).map((x) => [x.kind, x.id]).sort()).toEqual([["grant", "g-bob-vscode"], ["grant", "g-bob-vscode-2"]]);
    // Alice's consents and grants are untouched.
    expect(await now.listConsentsBySub("alice")).toHaveLength(2);
    expect(await now.adapter("RefreshToken").find("rt-g-alice-vscode")).toBeDefined();
  });

  it("--grant says the grant was not found only for a grant id that no consent lists", async () => {
    const { store, tableName } = await fx.table();
    await seed(store);
    const unknown = await cli("--grant", "g-nobody", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.stdout).toContain("consents removed: 0");
    expect(unknown.stdout).toContain("the grant was not found: the front holds neither the grant nor a consent that lists it");
    expect(unknown.stdout).not.toContain("--user");
    expect(await store.listConsentsBySub("alice")).toHaveLength(2);
    // The grant gone but its consent there: found, not "not found".
    await store.adapter("Grant").destroy("g-bob-vscode");
    const gone = await cli("--grant", "g-bob-vscode", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).not.toContain("was not found");
    expect(gone.stdout).toContain(`bob → vscode on ${CRM}`);
    // Run again, once its consent is revoked: nothing leads to it any more.
    const again = await cli("--grant", "g-bob-vscode", "--table", tableName, "--endpoint", fx.local.endpoint);
    expect(again.stdout).toContain("the grant was not found");
  });

  it("refuses ambiguous or missing targets and a missing table with exit 2, naming the fix", async () => {
    expect(await cli("--user", "a", "--client", "b", "--table", "t")).toMatchObject({ code: 2, stderr: expect.stringMatching(/exactly one of --user/) });
    expect(await cli("--table", "t")).toMatchObject({ code: 2 });
    expect(await cli("--user", "a", "--endpoint", fx.local.endpoint)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--table/) });
  });

  it("exits 1 with the cause when the table does not exist", async () => {
    const r = await cli("--user", "alice", "--table", "no-such-table", "--endpoint", fx.local.endpoint);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not complete the revocation in table 'no-such-table': ResourceNotFoundException/);
  });

  it("documents every flag in --help", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const flag of ["--user", "--client", "--grant", "--table", "--region", "--endpoint"]) expect(r.stdout).toContain(flag);
  });
});
