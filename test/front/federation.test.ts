import { describe, expect, it } from "vitest";
import { frontSubject } from "../../components/front/federation.js";
import { planGroupsOf } from "../../components/front/policy.js";
import { startAuthorizationServer } from "../../components/local/authorization-server.js";
import { devPlan } from "../../components/local/dev-plan.js";
import { Browser } from "../local/browser.js";
import { crmPlan } from "../local/fixtures.js";

describe("mapping the upstream identity", () => {
  it("gives each upstream user one stable sub, distinct across issuers and keys", () => {
    const a = frontSubject("k", "https://idp.example", "00u1");
    expect(frontSubject("k", "https://idp.example", "00u1")).toBe(a);
    expect(frontSubject("k", "https://other.example", "00u1")).not.toBe(a);
    expect(frontSubject("k2", "https://idp.example", "00u1")).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("maps the IdP's group names onto plan groups by idpGroup, ignoring the rest", () => {
    const plan = crmPlan();
    expect(planGroupsOf(plan, ["CRM Sales Ops", "Everyone", "CRM Admins"])).toEqual(["crm-admins", "sales-ops"]);
    // A plan group's own name is not an IdP group: nothing is granted for it.
    expect(planGroupsOf(plan, ["sales-reps"])).toEqual([]);
  });
});

describe("the federation callback", () => {
  it("refuses a callback whose state it did not issue, and a replayed one", async () => {
    const as = await startAuthorizationServer({ plan: devPlan(crmPlan(), "http://127.0.0.1:1") });
    try {
      const forged = await fetch(`${as.issuer}/federation/callback?code=abc&state=made-up`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toContain("unknown or expired");
      const url = new URL(`${as.issuer}/auth`);
      for (const [k, v] of Object.entries({ response_type: "code", client_id: "claude-code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: "http://127.0.0.1:1/crm", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })) url.searchParams.set(k, v);
      const browser = new Browser();
      const callback = await browser.authorize(url.href, `${as.issuer}/federation/callback`, { user: "bob" });
      expect((await browser.request(callback.href)).status).toBe(303);
      const replay = await browser.request(callback.href);
      expect(replay.status).toBe(400);
    } finally {
      await as.close();
    }
  });
});
