import { describe, expect, it } from "vitest";
import { createCimdResolver } from "../../components/front/registration/cimd.js";
import type { PlanTier } from "../../components/plan/schema.js";
import { cimdRefusal as refusal, crmPlan, tierOf } from "./registration-helpers.js";

/**
 * docs/declarations.md, Tiers: a CIMD tier trusts the hosts of `allowedDomains`, and its `clients`
 * are admin-registered CIMD clients (their `metadataDocumentUrl` is the client ID): the front
 * resolves a listed document even when its host is on no allowed domain (the
 * `registration-allowlists` rule counts listed clients as the tier's restriction), and still
 * refuses every other URL off the allowed domains.
 */
const LISTED = "https://tools.partner.example/mcp/client.json";

function tierWithListedClient(): PlanTier {
  const t = tierOf(crmPlan(), "cimd");
  return { ...t, allowedDomains: [], clients: [{ name: "partner-tool", displayName: "Partner tool", redirectUris: ["https://tools.partner.example/callback"], metadataDocumentUrl: LISTED }] };
}


describe("a CIMD tier's admin-registered clients", () => {
  it("are fetched although their host is on no allowed domain (still through the SSRF checks)", async () => {
    const tier = tierWithListedClient();
    // The lookup answers a private address: the fetch is refused by the address policy, which shows the domain check let it through.
    const err = await refusal(createCimdResolver(tier, { allowedDomains: tier.allowedDomains, lookup: async () => ["10.9.8.7"] }).resolve(LISTED));
    expect(err.message).toMatch(/resolves to/);
    expect(err.message).not.toMatch(/allowed domain/);
  });

  it("do not open the host to other documents", async () => {
    const tier = tierWithListedClient();
    const resolver = createCimdResolver(tier, { allowedDomains: tier.allowedDomains, lookup: async () => ["93.184.216.34"] });
    for (const other of ["https://tools.partner.example/mcp/other.json", "https://tools.partner.example/mcp/client.json?x=1", "https://evil.example/mcp/client.json"]) {
      expect((await refusal(resolver.resolve(other))).message, other).toMatch(/allowed domain/);
    }
  });
});

describe("an admin-registered CIMD client's document", () => {
  it("may use the redirect URIs declared for the client, and no other off the tier's rules", async () => {
    const { docServer, json } = await import("./registration-helpers.js");
    const srv = await docServer();
    try {
      const id = `${srv.origin}/listed.json`;
      const t = tierOf(crmPlan(), "cimd");
      const tier: PlanTier = { ...t, allowedDomains: [], clients: [{ name: "partner-tool", displayName: "Partner tool", redirectUris: ["https://tools.partner.example/callback"], metadataDocumentUrl: id }] };
      const resolver = () => createCimdResolver(tier, { allowedDomains: [], allowLoopback: true, cacheSeconds: 0 });
      const body = (redirect: string) => ({ client_id: id, client_name: "Partner tool", redirect_uris: [redirect], grant_types: ["authorization_code"], token_endpoint_auth_method: "none" });
      srv.route("/listed.json", json(body("https://tools.partner.example/callback")));
      expect((await resolver().resolve(id)).redirect_uris).toEqual(["https://tools.partner.example/callback"]);
      srv.route("/listed.json", json(body("https://tools.partner.example/elsewhere")));
      expect((await refusal(resolver().resolve(id))).code).toBe("invalid_redirect_uri");
    } finally {
      await srv.close();
    }
  });
});
