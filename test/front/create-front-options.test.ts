import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createFront, type FrontOptions } from "../../components/front/front.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import { devPlan } from "../../components/local/dev-plan.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";
import { crmPlan } from "../local/fixtures.js";

/**
 * docs/front.md, Library: "Options are validated at start; an error names the option and what is
 * expected" — the `cimd` options included, whether or not the plan has a CIMD tier yet.
 */

let key: JWK;
let agentKey: JWK;
beforeAll(async () => {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  key = { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" };
  const agent = await generateKeyPair("ES256", { extractable: true });
  agentKey = { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" };
});

function options(over: Partial<FrontOptions> = {}, plan: McpAuthPlan = devPlan(crmPlan(), "http://127.0.0.1:1")): FrontOptions {
  return {
    plan,
    issuer: "https://auth.example.com",
    signingKey: key,
    cookieKeys: [randomBytes(32).toString("base64url")],
    store: createMemoryStore(),
    upstream: { issuer: "https://example.okta.com", clientId: "front" },
    edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
    clientCredentials: { "nightly-digest": { publicJwk: agentKey } },
    ...over,
  };
}

function withoutCimdTier(): McpAuthPlan {
  const plan = devPlan(crmPlan(), "http://127.0.0.1:1");
  return { ...plan, tiers: plan.tiers.filter((t) => t.registration !== "cimd") };
}

describe("createFront validates the cimd options at start", () => {
  it("names cimd.maxBytes, cimd.timeoutMs and cimd.cacheSeconds when they are not what is expected", async () => {
    await expect(createFront(options({ cimd: { maxBytes: 0 } }))).rejects.toThrow(/^createFront: cimd\.maxBytes .*positive integer/);
    await expect(createFront(options({ cimd: { timeoutMs: 2.5 } }))).rejects.toThrow(/^createFront: cimd\.timeoutMs .*positive integer/);
    await expect(createFront(options({ cimd: { cacheSeconds: -1 } }))).rejects.toThrow(/^createFront: cimd\.cacheSeconds .*non-negative integer/);
  });

  it("refuses a malformed cimd option even when the plan has no CIMD tier", async () => {
    const plan = withoutCimdTier();
    await expect(createFront(options({ cimd: { maxBytes: -5 } }, plan))).rejects.toThrow(/^createFront: cimd\.maxBytes/);
    await expect(createFront(options({ cimd: { allowLoopback: "yes" as unknown as boolean } }, plan))).rejects.toThrow(/^createFront: cimd\.allowLoopback/);
  });

  it("accepts well-formed cimd options", async () => {
    const front = await createFront(options({ cimd: { maxBytes: 4096, timeoutMs: 2000, cacheSeconds: 0 } }));
    expect(front.issuer).toBe("https://auth.example.com");
  });
});
