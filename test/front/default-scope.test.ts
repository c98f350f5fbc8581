import { describe, expect, it } from "vitest";
import { withDefaultScope } from "../../components/front/front.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";
import { crmPlan } from "../local/fixtures.js";

/**
 * docs/local.md: "A request without `scope` gets the server's mandatory scopes (RFC 6749 §3.3
 * default)" — the server the request is for: its `resource`, or the plan's only server when the
 * request names none (the same server the token is then issued for, RFC 8707 default resource).
 */
const scopeOf = (url: string) => new URL(url, "http://front").searchParams.get("scope");

describe("the default scope of an authorization request", () => {
  const plan = crmPlan();
  const crm = plan.servers.find((s) => s.name === "crm")!;

  it("is the mandatory scopes of the server named by resource", () => {
    expect(scopeOf(withDefaultScope(plan, `/auth?client_id=c&resource=${encodeURIComponent(crm.resource)}`))).toBe(crm.consent.mandatory.join(" "));
  });

  it("is the mandatory scopes of the plan's only server when the request names no resource", () => {
    const single: McpAuthPlan = { ...plan, servers: [crm] };
    expect(scopeOf(withDefaultScope(single, "/auth?client_id=c&response_type=code"))).toBe(crm.consent.mandatory.join(" "));
  });

  it("leaves a request that names its scope, or that names no resource on a plan of several servers, as it is", () => {
    expect(withDefaultScope(plan, "/auth?client_id=c&scope=openid")).toBe("/auth?client_id=c&scope=openid");
    expect(withDefaultScope(plan, "/auth?client_id=c")).toBe("/auth?client_id=c");
  });
});
