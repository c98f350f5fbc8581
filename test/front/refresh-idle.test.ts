import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { providerConfiguration } from "../../components/front/provider-config.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import { compile } from "../../components/plan/compile.js";
import { base } from "../fixtures/declarations/_base.js";

/**
 * docs/declarations.md, Tokens: `refreshToken.idleDays` — "A refresh token unused this long
 * expires". On the front, every refresh token it issues (the first, and each rotated one) lives at
 * most the idle days, and never past the absolute lifetime of the first one.
 */
const DAY = 86_400;

function plan(refreshToken: { lifetimeDays: number; idleDays?: number }) {
  const d = base();
  return compile({ ...d, tiers: { verified: { ...d.tiers.verified!, tokens: { refreshToken } } } });
}

/** The TTL the front gives a refresh token: the first one, or one rotated from a family begun `familyAge` seconds ago. */
async function refreshTtl(p: ReturnType<typeof compile>, rotated?: { remainingTTL: number; familyAge: number }): Promise<number> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const config = providerConfiguration({
    plan: p,
    signingKey: { ...(await exportJWK(privateKey)), kid: "k", alg: "RS256" },
    cookieKeys: [randomBytes(32).toString("base64url")],
    edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
    agentClients: new Map(),
    store: createMemoryStore(),
    findAccount: async () => undefined,
    cimd: undefined,
    now: Date.now,
  });
  const ttl = (config.ttl as unknown as { RefreshToken: (ctx: unknown, token: unknown, client: unknown) => number }).RefreshToken;
  const now = Math.floor(Date.now() / 1000);
  const ctx = { oidc: { entities: rotated ? { RotatedRefreshToken: { remainingTTL: rotated.remainingTTL } } : {} } };
  return ttl(ctx, { resource: p.servers[0]!.resource, iiat: now - (rotated?.familyAge ?? 0) }, { clientId: "desktop" });
}

describe("refresh tokens on the front", () => {
  it("live the absolute lifetime when no idle time is declared", async () => {
    expect(await refreshTtl(plan({ lifetimeDays: 30 }))).toBe(30 * DAY);
    expect(await refreshTtl(plan({ lifetimeDays: 30 }), { remainingTTL: 12 * DAY, familyAge: 18 * DAY })).toBe(12 * DAY);
  });

  it("expire after idleDays unused: each issued or rotated token lives at most the idle time, never past the absolute lifetime", async () => {
    const p = plan({ lifetimeDays: 30, idleDays: 7 });
    expect(await refreshTtl(p)).toBe(7 * DAY);
    // Used on day 6 of its 7: the rotated token has 7 idle days again, within the 30-day family.
    expect(await refreshTtl(p, { remainingTTL: 1 * DAY, familyAge: 6 * DAY })).toBe(7 * DAY);
    // Late in the family: the absolute lifetime wins.
    const left = await refreshTtl(p, { remainingTTL: 2 * DAY, familyAge: 27 * DAY });
    expect(left).toBeGreaterThanOrEqual(3 * DAY - 2);
    expect(left).toBeLessThanOrEqual(3 * DAY);
  });
});
