import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../components/front/store/memory.js";

describe("the in-memory front store", () => {
  it("lets exactly one of two consumers of a refresh token win", async () => {
    const store = createMemoryStore();
    const rt = store.adapter("RefreshToken");
    await rt.upsert("rt1", { grantId: "g1", kind: "RefreshToken" } as never, 60);
    const results = await Promise.allSettled([rt.consume("rt1"), rt.consume("rt1")]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await rt.find("rt1"))?.consumed).toBeTypeOf("number");
  });

  it("expires entries, finds by uid and revokes every token of a grant", async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ now: () => now });
    const at = store.adapter("AccessToken");
    const session = store.adapter("Session");
    await at.upsert("a1", { grantId: "g1" } as never, 10);
    await at.upsert("a2", { grantId: "g2" } as never, 10);
    await session.upsert("s1", { uid: "u1" } as never, 100);
    expect(await session.findByUid("u1")).toMatchObject({ uid: "u1" });
    await at.revokeByGrantId("g1");
    expect(await at.find("a1")).toBeUndefined();
    expect(await at.find("a2")).toBeDefined();
    now += 10_000;
    expect(await at.find("a2")).toBeUndefined();
    expect(await session.find("s1")).toBeDefined();
  });

  it("keeps consents per user, client and server, revocations by time, and counters per window", async () => {
    const store = createMemoryStore({ now: () => 5_000_000 });
    await store.putConsent({ sub: "u", clientId: "c", resource: "https://a/x", scopes: { s: 1 }, grantIds: ["g"], updatedAt: 1 });
    await store.putConsent({ sub: "u", clientId: "d", resource: "https://a/x", scopes: {}, grantIds: [], updatedAt: 1 });
    expect((await store.listConsentsBySub("u")).map((c) => c.clientId).sort()).toEqual(["c", "d"]);
    expect((await store.listConsentsByClient("c")).length).toBe(1);
    await store.deleteConsent("u", "c", "https://a/x");
    expect(await store.getConsent("u", "c", "https://a/x")).toBeUndefined();
    await store.addRevocation({ kind: "user", id: "u", at: 10, by: "admin", expiresAt: 9_999_999 });
    await store.addRevocation({ kind: "client", id: "c", at: 20, by: "user", expiresAt: 4_000 });
    expect((await store.listRevocations(5)).map((r) => r.id)).toEqual(["u"]);
    expect(await store.listRevocations(11)).toEqual([]);
    expect(await store.incrementCounter("ip", 60, 120)).toBe(1);
    expect(await store.incrementCounter("ip", 60, 179)).toBe(2);
    expect(await store.incrementCounter("ip", 60, 180)).toBe(1);
    await store.close();
    await expect(store.getConsent("u", "d", "https://a/x")).rejects.toThrow(/closed/);
  });

  it("finds the consents that list a grant id, and none once no consent lists it", async () => {
    const store = createMemoryStore();
    await store.putConsent({ sub: "u", clientId: "c", resource: "https://a/x", scopes: {}, grantIds: ["g1", "g2"], updatedAt: 1 });
    await store.putConsent({ sub: "u", clientId: "c", resource: "https://a/y", scopes: {}, grantIds: ["g1"], updatedAt: 1 });
    expect((await store.listConsentsByGrant("g1")).map((c) => c.resource).sort()).toEqual(["https://a/x", "https://a/y"]);
    await store.putConsent({ sub: "u", clientId: "c", resource: "https://a/x", scopes: {}, grantIds: ["g2"], updatedAt: 2 });
    await store.deleteConsent("u", "c", "https://a/y");
    expect(await store.listConsentsByGrant("g1")).toEqual([]);
    expect((await store.listConsentsByGrant("g2")).map((c) => c.resource)).toEqual(["https://a/x"]);
    await expect(store.listConsentsByGrant("")).rejects.toThrow(/non-empty/);
  });
});
