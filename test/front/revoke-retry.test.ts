import { describe, expect, it } from "vitest";
import { revoke } from "../../cli/commands/revoke.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import type { FrontStore } from "../../components/front/store/types.js";

/**
 * docs/cli.md, `revoke`: it removes the consent records "so the next authorization asks the user
 * again", and "running the same command again is safe" when the table failed part-way. For
 * `--grant`, the grant id leads to its consent (also once the grant has expired), so a retry must
 * still find the consent.
 */
const CRM = "https://mcp.example.com/crm";

async function seeded(): Promise<FrontStore> {
  const store = createMemoryStore();
  for (const [g, client] of [["g1", "vscode"], ["g2", "claude-code"]] as const) {
    await store.adapter("Grant").upsert(g, { kind: "Grant", jti: g, accountId: "bob", clientId: client } as never, 3600);
    await store.adapter("RefreshToken").upsert(`rt-${g}`, { kind: "RefreshToken", jti: `rt-${g}`, grantId: g, accountId: "bob" } as never, 3600);
    await store.putConsent({ sub: "bob", clientId: client, resource: CRM, scopes: { "crm:customers:read": 1_800_000_000 }, grantIds: [g], updatedAt: 1_800_000_000 });
  }
  return store;
}

/** The store, with the consent writes failing once (the table throttled or unreachable part-way). */
function failingConsentWritesOnce(store: FrontStore): FrontStore {
  let failed = false;
  const once = <A extends unknown[]>(fn: (...a: A) => Promise<void>) => async (...a: A) => {
    if (!failed) {
      failed = true;
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    }
    return fn(...a);
  };
  return Object.assign(Object.create(store) as FrontStore, {
    adapter: (m: string) => store.adapter(m),
    deleteConsent: once(store.deleteConsent.bind(store)),
    putConsent: once(store.putConsent.bind(store)),
  });
}

/** Runs `fn` on a fresh front table on dynalite, with the CLI runner; the table is closed after. */
async function onDynamoTable(fn: (t: { store: FrontStore; tableName: string; endpoint: string; runCli: typeof import("../support/cli.js").runCli }) => Promise<void>): Promise<void> {
  const { runCli } = await import("../support/cli.js");
  const { dynamoFixture } = await import("./store-helpers.js");
  const fx = await dynamoFixture();
  try {
    const { store, tableName } = await fx.table();
    await fn({ store, tableName, endpoint: fx.local.endpoint, runCli });
  } finally {
    await fx.close();
  }
}

describe("revoke --grant run again after a failure", () => {
  it("removes the consent and destroys the grant on the second run", async () => {
    const store = await seeded();
    await expect(revoke(failingConsentWritesOnce(store), "grant", "g1", 1_800_000_100)).rejects.toThrow(/Rate exceeded/);
    const second = await revoke(store, "grant", "g1", 1_800_000_200);
    expect(second.consents.map((c) => c.clientId)).toEqual(["vscode"]);
    expect(await store.getConsent("bob", "vscode", CRM)).toBeUndefined();
    expect(await store.adapter("Grant").find("g1")).toBeUndefined();
    expect(await store.adapter("RefreshToken").find("rt-g1")).toBeUndefined();
    // The other grant of the same user is untouched.
    expect(await store.getConsent("bob", "claude-code", CRM)).toBeDefined();
    expect(await store.adapter("Grant").find("g2")).toBeDefined();
  });
});

describe("revoke --grant on a consent that other grants share", () => {
  it("removes the consent with every grant of it, records each grant for the edge, and prints the consent as removed", async () => {
    await onDynamoTable(async ({ store, tableName, endpoint, runCli }) => {
      for (const g of ["g1", "g2"]) await store.adapter("Grant").upsert(g, { kind: "Grant", jti: g, accountId: "bob", clientId: "vscode" } as never, 3600);
      await store.putConsent({ sub: "bob", clientId: "vscode", resource: CRM, scopes: { "crm:customers:read": 1_800_000_000 }, grantIds: ["g1", "g2"], updatedAt: 1_800_000_000 });
      const r = await runCli(["revoke", "--grant", "g1", "--table", tableName, "--endpoint", endpoint]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("grants destroyed: 2");
      expect(r.stdout).toContain(`consents removed: 1\n    - bob → vscode on ${CRM}`);
      expect(r.stdout).not.toContain("kept");
      expect(await store.getConsent("bob", "vscode", CRM)).toBeUndefined();
      expect(await store.adapter("Grant").find("g1")).toBeUndefined();
      expect(await store.adapter("Grant").find("g2")).toBeUndefined();
      expect((await store.listRevocations(0)).map((x) => [x.kind, x.id]).sort()).toEqual([["grant", "g1"], ["grant", "g2"]]);
    });
  });
});

describe("revoke --grant of a grant the front no longer holds", () => {
  it("removes the consent that still lists it, and says so instead of 'not found'", async () => {
    await onDynamoTable(async ({ store, tableName, endpoint, runCli }) => {
      // The grant expired (the store no longer returns it); the consent still lists it.
      await store.putConsent({ sub: "bob", clientId: "vscode", resource: CRM, scopes: { "crm:customers:read": 1_800_000_000 }, grantIds: ["g-expired"], updatedAt: 1_800_000_000 });
      const r = await runCli(["revoke", "--grant", "g-expired", "--table", tableName, "--endpoint", endpoint]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("its consent was found by the grant id");
      expect(r.stdout).not.toContain("was not found");
      expect(await store.getConsent("bob", "vscode", CRM)).toBeUndefined();
      expect((await store.listRevocations(0)).map((x) => [x.kind, x.id])).toEqual([["grant", "g-expired"]]);
      // A found grant prints neither line.
      await store.adapter("Grant").upsert("g1", { kind: "Grant", jti: "g1", accountId: "bob", clientId: "vscode" } as never, 3600);
      const found = await runCli(["revoke", "--grant", "g1", "--table", tableName, "--endpoint", endpoint]);
      expect(found.code, found.stderr).toBe(0);
      expect(found.stdout).not.toMatch(/was not found|no longer held/);
    });
  });

  it("removes it on the memory store too, and on a second run after the consent's removal failed", async () => {
    const store = await seeded();
    await store.adapter("Grant").destroy("g1");
    await expect(revoke(failingConsentWritesOnce(store), "grant", "g1", 1_800_000_100)).rejects.toThrow(/Rate exceeded/);
    const second = await revoke(store, "grant", "g1", 1_800_000_200);
    expect(second).toMatchObject({ grantFound: false, grantIds: ["g1"] });
    expect(second.consents.map((c) => c.clientId)).toEqual(["vscode"]);
    expect(await store.getConsent("bob", "vscode", CRM)).toBeUndefined();
    expect(await store.adapter("RefreshToken").find("rt-g1")).toBeUndefined();
    expect(await store.getConsent("bob", "claude-code", CRM)).toBeDefined();
  });
});
