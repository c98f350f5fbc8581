import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoHttpClient } from "../../components/front/aws/dynamo-client.js";
import { createDynamoStore } from "../../components/front/store/dynamodb.js";
import { localDynamoClientConfig } from "../../components/front/store/local-dynamo.js";
import type { DynamoApi } from "../../components/front/store/dynamo-api.js";
import type { ConsentRecord } from "../../components/front/store/types.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await dynamoFixture();
});
afterAll(async () => {
  await fx.close();
});

describe("DynamoDB store: oidc-provider adapter contract", () => {
  it("finds what was upserted, and nothing after destroy", async () => {
    const { store } = await fx.table();
    const a = store.adapter("Interaction");
    await a.upsert("i1", { kind: "Interaction", jti: "i1", returnTo: "https://front.example/auth/x" }, 60);
    expect(await a.find("i1")).toEqual({ kind: "Interaction", jti: "i1", returnTo: "https://front.example/auth/x" });
    expect(await store.adapter("Session").find("i1")).toBeUndefined();
    await a.destroy("i1");
    expect(await a.find("i1")).toBeUndefined();
  });

  it("treats an item past its expiry as gone even before DynamoDB's TTL deletes it", async () => {
    let now = 1_800_000_000_000;
    const { store } = await fx.table(() => now);
    const a = store.adapter("AuthorizationCode");
    await a.upsert("c1", { kind: "AuthorizationCode", jti: "c1" }, 60);
    now += 59_000;
    expect(await a.find("c1")).toBeDefined();
    now += 1_000;
    expect(await a.find("c1")).toBeUndefined();
    await expect(a.consume("c1")).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("finds a session by its uid, following the newest id for that uid", async () => {
    const { store } = await fx.table();
    const s = store.adapter("Session");
    await s.upsert("s1", { kind: "Session", jti: "s1", uid: "u1", accountId: "alice" }, 3600);
    expect(await s.findByUid("u1")).toMatchObject({ jti: "s1", accountId: "alice" });
    await s.upsert("s2", { kind: "Session", jti: "s2", uid: "u1", accountId: "alice" }, 3600);
    await s.destroy("s1");
    expect(await s.findByUid("u1")).toMatchObject({ jti: "s2" });
    await s.destroy("s2");
    expect(await s.findByUid("u1")).toBeUndefined();
    expect(await s.findByUid("nobody")).toBeUndefined();
  });

  it("finds a device code by its user code", async () => {
    const { store } = await fx.table();
    const d = store.adapter("DeviceCode");
    await d.upsert("d1", { kind: "DeviceCode", jti: "d1", userCode: "ABCD-EFGH" }, 600);
    expect(await d.findByUserCode("ABCD-EFGH")).toMatchObject({ jti: "d1" });
    expect(await d.findByUserCode("ZZZZ-ZZZZ")).toBeUndefined();
  });

  it("marks an item consumed once and refuses the second consume with invalid_grant", async () => {
    const { store } = await fx.table();
    const r = store.adapter("RefreshToken");
    await r.upsert("r1", { kind: "RefreshToken", jti: "r1", grantId: "g1" }, 3600);
    await r.consume("r1");
    const found = await r.find("r1");
    expect(typeof found?.consumed).toBe("number");
    await expect(r.consume("r1")).rejects.toMatchObject({ error: "invalid_grant", statusCode: 400 });
    await expect(r.consume("never-issued")).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("revokes every token of a grant, model by model, and leaves other grants alone", async () => {
    const { store, scanKeys } = await fx.table();
    const at = store.adapter("AccessToken");
    const rt = store.adapter("RefreshToken");
    await at.upsert("a1", { kind: "AccessToken", jti: "a1", grantId: "g1" }, 300);
    await at.upsert("a2", { kind: "AccessToken", jti: "a2", grantId: "g1" }, 300);
    await rt.upsert("r1", { kind: "RefreshToken", jti: "r1", grantId: "g1" }, 3600);
    await at.upsert("a3", { kind: "AccessToken", jti: "a3", grantId: "g2" }, 300);
    await at.revokeByGrantId("g1");
    expect(await at.find("a1")).toBeUndefined();
    expect(await at.find("a2")).toBeUndefined();
    expect(await rt.find("r1")).toBeDefined();
    await rt.revokeByGrantId("g1");
    expect(await rt.find("r1")).toBeUndefined();
    expect(await at.find("a3")).toBeDefined();
    expect((await scanKeys()).filter((k) => k.includes("g1"))).toEqual([]);
  });

  it("revokes a grant with more tokens than one batch write holds", async () => {
    const { store } = await fx.table();
    const at = store.adapter("AccessToken");
    await Promise.all(Array.from({ length: 30 }, (_, i) => at.upsert(`t${i}`, { kind: "AccessToken", jti: `t${i}`, grantId: "big" }, 300)));
    await at.revokeByGrantId("big");
    const left = await Promise.all(Array.from({ length: 30 }, (_, i) => at.find(`t${i}`)));
    expect(left.filter(Boolean)).toEqual([]);
  });
});

describe("DynamoDB store: consents, revocations, counters", () => {
  const consent = (sub: string, clientId: string, resource: string): ConsentRecord => ({
    sub,
    clientId,
    resource,
    scopes: { "crm:customers:read": 1_800_000_000 },
    grantIds: ["g1"],
    updatedAt: 1_800_000_000,
  });

  it("lists consents by user and by client, and forgets a deleted one", async () => {
    const { store } = await fx.table();
    await store.putConsent(consent("alice", "https://app.example/client.json", "https://mcp.example.com/crm"));
    await store.putConsent(consent("alice", "vscode", "https://mcp.example.com/crm"));
    await store.putConsent(consent("bob", "vscode", "https://mcp.example.com/crm"));
    await store.putConsent(consent("bob", "vscode", "https://mcp.example.com/billing"));
    expect((await store.listConsentsBySub("alice")).map((c) => c.clientId).sort()).toEqual(["https://app.example/client.json", "vscode"]);
    expect((await store.listConsentsByClient("vscode")).map((c) => `${c.sub} ${c.resource}`).sort()).toEqual([
      "alice https://mcp.example.com/crm",
      "bob https://mcp.example.com/billing",
      "bob https://mcp.example.com/crm",
    ]);
    expect(await store.getConsent("bob", "vscode", "https://mcp.example.com/crm")).toEqual(consent("bob", "vscode", "https://mcp.example.com/crm"));
    await store.deleteConsent("bob", "vscode", "https://mcp.example.com/crm");
    expect(await store.getConsent("bob", "vscode", "https://mcp.example.com/crm")).toBeUndefined();
    expect(await store.listConsentsBySub("bob")).toHaveLength(1);
  });

  it("keeps a '#' inside a client ID from reading another user's consent", async () => {
    const { store } = await fx.table();
    await store.putConsent(consent("alice", "a", "b#c"));
    expect(await store.getConsent("alice", "a#b", "c")).toBeUndefined();
  });

  it("refuses a malformed consent record and names the field", async () => {
    const { store } = await fx.table();
    await expect(store.putConsent({ ...consent("alice", "x", "y"), sub: "" })).rejects.toThrow(/sub/);
  });

  it("lists revocations at or after a time, oldest first, without expired ones", async () => {
    let now = 1_800_000_100_000;
    const { store } = await fx.table(() => now);
    await store.addRevocation({ kind: "user", id: "alice", at: 1_800_000_050, by: "admin", expiresAt: 1_800_003_600 });
    await store.addRevocation({ kind: "grant", id: "g#1", at: 1_800_000_010, by: "user", expiresAt: 1_800_000_200 });
    await store.addRevocation({ kind: "client", id: "vscode", at: 1_800_000_090, by: "client", expiresAt: 1_800_003_600 });
    expect((await store.listRevocations(1_800_000_000)).map((r) => r.id)).toEqual(["g#1", "alice", "vscode"]);
    expect((await store.listRevocations(1_800_000_050)).map((r) => r.id)).toEqual(["alice", "vscode"]);
    now = 1_800_000_300_000;
    expect((await store.listRevocations(0)).map((r) => r.id)).toEqual(["alice", "vscode"]);
  });

  it("counts atomically within a fixed window and starts again in the next one", async () => {
    const { store } = await fx.table();
    const counts = await Promise.all(Array.from({ length: 12 }, () => store.incrementCounter("dcr:203.0.113.9", 60, 1_800_000_000)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await store.incrementCounter("dcr:198.51.100.1", 60, 1_800_000_000)).toBe(1);
    expect(await store.incrementCounter("dcr:203.0.113.9", 60, 1_800_000_060)).toBe(1);
  });

  it("rejects every call when the database cannot be reached (fails closed)", async () => {
    const config = localDynamoClientConfig("http://127.0.0.1:9");
    const dead = createDynamoHttpClient({ endpoint: new URL(config.endpoint), region: config.region, credentials: config.credentials, maxAttempts: 1 });
    const store = createDynamoStore({ client: dead, tableName: "front" });
    await expect(store.adapter("Session").find("s")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(store.listRevocations(0)).rejects.toThrow();
    await expect(store.incrementCounter("k", 60, 0)).rejects.toThrow();
    dead.close();
  });

  it("rejects every call when the database cannot be reached through an AWS SDK client too", async () => {
    const dead = new DynamoDBClient({ ...localDynamoClientConfig("http://127.0.0.1:9"), maxAttempts: 1 });
    const store = createDynamoStore({ client: dead, tableName: "front" });
    await expect(store.adapter("Session").find("s")).rejects.toThrow();
    await expect(store.incrementCounter("k", 60, 0)).rejects.toThrow();
    dead.destroy();
  });
});

describe("DynamoDB store: consents by grant", () => {
  const CRM = "https://mcp.example.com/crm";
  const ADMIN = "https://mcp.example.com/crm-admin";
  const consent = (resource: string, grantIds: string[], sub = "alice", clientId = "vscode"): ConsentRecord => ({
    sub,
    clientId,
    resource,
    scopes: { "crm:customers:read": 1_800_000_000 },
    grantIds,
    updatedAt: 1_800_000_000,
  });
  const pointers = (keys: string[]) => keys.filter((k) => k.startsWith("consentgrant#"));

  it("finds the consents behind a grant id, one per server the grant covers, also after the grant itself is gone", async () => {
    const { store } = await fx.table();
    await store.adapter("Grant").upsert("g1", { kind: "Grant", jti: "g1", accountId: "alice", clientId: "vscode" }, 3600);
    await store.putConsent(consent(CRM, ["g0", "g1"]));
    await store.putConsent(consent(ADMIN, ["g1"]));
    await store.putConsent(consent(CRM, ["g2"], "bob"));
    await store.adapter("Grant").destroy("g1");
    expect((await store.listConsentsByGrant("g1")).map((c) => c.resource).sort()).toEqual([CRM, ADMIN]);
    expect(await store.listConsentsByGrant("g0")).toEqual([consent(CRM, ["g0", "g1"])]);
    expect((await store.listConsentsByGrant("g2")).map((c) => c.sub)).toEqual(["bob"]);
    expect(await store.listConsentsByGrant("g-unknown")).toEqual([]);
    await expect(store.listConsentsByGrant("")).rejects.toThrow(/grant id/);
  });

  it("stops finding a consent by a grant once the consent is deleted or written without that grant, and leaves no pointer behind", async () => {
    const { store, scanKeys } = await fx.table();
    await store.putConsent(consent(CRM, ["g1", "g2", "g#3"]));
    expect(pointers(await scanKeys())).toHaveLength(3);
    await store.putConsent(consent(CRM, ["g2", "g#3"]));
    expect(await store.listConsentsByGrant("g1")).toEqual([]);
    expect((await store.listConsentsByGrant("g#3")).map((c) => c.grantIds)).toEqual([["g2", "g#3"]]);
    expect(pointers(await scanKeys())).toHaveLength(2);
    await store.deleteConsent("alice", "vscode", CRM);
    expect(await store.listConsentsByGrant("g2")).toEqual([]);
    expect(await scanKeys()).toEqual([]);
  });

  it("keeps the pointer of a grant that a concurrent write of the same consent lists again", async () => {
    const { store, tableName } = await fx.table();
    await store.putConsent(consent(CRM, ["g1", "g2"]));
    // A second writer drops g2; its delete of g2's pointer is held until the first writer has listed g2 again.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atDelete = new Promise<void>((r) => (reached = r));
    const gated: DynamoApi = {
      call: (async (operation: Parameters<DynamoApi["call"]>[0], input: Parameters<DynamoApi["call"]>[1]) => {
        if (operation === "DeleteItem") {
          reached();
          await gate;
        }
        return fx.http.call(operation, input as never);
      }) as DynamoApi["call"],
    };
    const dropping = createDynamoStore({ client: gated, tableName }).putConsent(consent(CRM, ["g1"]));
    await Promise.race([atDelete, dropping.then(() => Promise.reject(new Error("the write dropping g2 deleted no pointer")))]);
    await store.putConsent(consent(CRM, ["g1", "g2"]));
    release();
    await dropping;
    expect((await store.listConsentsByGrant("g2")).map((c) => c.grantIds)).toEqual([["g1", "g2"]]);
  });

  it("refuses a consent whose keys are above DynamoDB's key size limits before writing anything", async () => {
    const { store, scanKeys } = await fx.table();
    // The consent's sort key fits in 1024 bytes; the pointer's (user, client and server) does not.
    const long = consent(`https://mcp.example.com/${"r".repeat(500)}`, ["g1"], "u".repeat(300), `https://app.example/${"c".repeat(300)}`);
    await expect(store.putConsent(long)).rejects.toThrow(/consent-by-grant pointer: key attribute 'sk' is \d+ bytes, above DynamoDB's 1024-byte limit/);
    await expect(store.putConsent(consent(CRM, ["g".repeat(2100)]))).rejects.toThrow(/key attribute 'pk'/);
    expect(await scanKeys()).toEqual([]);
  });
});
