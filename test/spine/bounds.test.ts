import { describe, expect, it } from "vitest";
import { compile, DeclarationError, runRules } from "../../components/index.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { base } from "../fixtures/declarations/_base.js";

/** The problems compile() refuses the declaration with, as `path: message` lines. */
function refusal(declaration: unknown): string[] {
  try {
    compile(declaration);
  } catch (e) {
    if (e instanceof DeclarationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error("compile accepted the declaration");
}

const crmCopy = () => structuredClone(crm) as any;

describe("lifetime and cadence bounds are refused at compile, so no plan carries a value above them", () => {
  it("refuses the global {routine: 120, high: 45, critical: 30} once per level, at the global field", () => {
    const d = crmCopy();
    d.tokens.accessTokenMinutes = { routine: 120, high: 45, critical: 30 };
    expect(refusal(d)).toEqual([
      "tokens.accessTokenMinutes.routine: 120 minutes is above the 60-minute bound for routine access tokens; set at most 60",
      "tokens.accessTokenMinutes.high: 45 minutes is above the 15-minute bound for high access tokens; set at most 15",
      "tokens.accessTokenMinutes.critical: 30 minutes is above the 5-minute bound for critical access tokens; set at most 5",
    ]);
  });

  it("refuses a server or tier override above the bound at its own path", () => {
    const d = base();
    d.servers = [{ ...d.servers[0]!, tokens: { accessTokenMinutes: { critical: 10 } } }];
    d.tiers.verified = { ...d.tiers.verified!, tokens: { accessTokenMinutes: { high: 20 }, refreshToken: { lifetimeDays: 120 } } };
    expect(refusal(d)).toEqual([
      "servers[0].tokens.accessTokenMinutes.critical: 10 minutes is above the 5-minute bound for critical access tokens; set at most 5",
      "tiers.verified.tokens.accessTokenMinutes.high: 20 minutes is above the 15-minute bound for high access tokens; set at most 15",
      "tiers.verified.tokens.refreshToken.lifetimeDays: 120 days is above the 90-day refresh-token bound; set at most 90",
    ]);
  });

  it("applies the declaration's own tighter guardrails and names them", () => {
    const d = crmCopy();
    d.guardrails = { maxAccessTokenMinutes: { high: 10 }, maxRefreshTokenDays: 14 };
    expect(refusal(d)).toEqual([
      "tokens.accessTokenMinutes.high: 15 minutes is above the 10-minute bound for high access tokens set by guardrails.maxAccessTokenMinutes.high; set at most 10",
      "tokens.refreshToken.lifetimeDays: 30 days is above the 14-day refresh-token bound set by guardrails.maxRefreshTokenDays; set at most 14",
    ]);
  });

  it("refuses a default above the declaration's own tighter guardrail, at the global field", () => {
    const d = base();
    d.guardrails = { maxAccessTokenMinutes: { high: 10 }, maxRefreshTokenDays: 14 };
    expect(refusal(d)).toEqual([
      "tokens.accessTokenMinutes.high: the default 15 minutes is above the 10-minute bound for high access tokens set by guardrails.maxAccessTokenMinutes.high; set at most 10",
      "tokens.refreshToken.lifetimeDays: the default 30 days is above the 14-day refresh-token bound set by guardrails.maxRefreshTokenDays; set at most 14",
    ]);
    d.tokens = { accessTokenMinutes: { high: 10 }, refreshToken: { lifetimeDays: 14 } };
    const plan = compile(d);
    expect(plan.servers[0]!.access.map((a) => [a.accessTokenMinutes.high, a.refreshToken.lifetimeDays])).toEqual([
      [10, 14],
      [10, 14],
      [10, 14],
    ]);
  });

  it("never lets the declaration's guardrails loosen a built-in bound", () => {
    const d = crmCopy();
    d.guardrails = { maxAccessTokenMinutes: { routine: 240 } };
    d.tokens.accessTokenMinutes.routine = 120;
    expect(refusal(d)).toEqual(["tokens.accessTokenMinutes.routine: 120 minutes is above the 60-minute bound for routine access tokens; set at most 60"]);
  });

  it("refuses a re-consent cadence above 90 days, globally and per server", () => {
    const d = crmCopy();
    d.consent = { reconsentDays: { high: 180 } };
    d.servers[0].consent.reconsentDays = { critical: 120 };
    expect(refusal(d)).toEqual([
      "consent.reconsentDays.high: 180 days is above the 90-day bound for renewing consent to high scopes; set at most 90",
      "servers[0].consent.reconsentDays.critical: 120 days is above the 90-day bound for renewing consent to critical scopes; set at most 90",
    ]);
  });

  it("reports a value above its bound together with a structural mistake elsewhere, all at once", () => {
    const d = crmCopy();
    d.consent = { reconsentDays: { high: 400 } };
    d.servers[0].tokens = { accessTokenMinutes: { critical: 30 } };
    d.servers[0].sensitivty = "high"; // a typo: an unknown key
    const lines = refusal(d);
    expect(lines.some((l) => l.startsWith("servers[0]") && l.includes("sensitivty"))).toBe(true);
    expect(lines).toContain("consent.reconsentDays.high: 400 days is above the 90-day bound for renewing consent to high scopes; set at most 90");
    expect(lines).toContain("servers[0].tokens.accessTokenMinutes.critical: 30 minutes is above the 5-minute bound for critical access tokens; set at most 5");
  });

  it("reports a mistyped bounded value once, as the type problem, not again as a bound", () => {
    const d = crmCopy();
    d.consent = { reconsentDays: { high: "400" } };
    const lines = refusal(d).filter((l) => l.startsWith("consent.reconsentDays.high"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("bound");
  });

  it("accepts values at the bounds and keeps them in the plan", () => {
    const d = crmCopy();
    d.guardrails = { maxRefreshTokenDays: 30 };
    const plan = compile(d);
    expect(plan.sensitivities.map((s) => s.accessTokenMinutes)).toEqual([60, 15, 5]);
    expect(runRules(plan).filter((f) => f.severity === "error")).toEqual([]);
  });
});

describe("declaration checks that close loopholes", () => {
  it("refuses a client-credentials tier that also lists user flows", () => {
    const d = crmCopy();
    d.tiers.agent.grantTypes = ["client_credentials", "authorization_code", "refresh_token"];
    expect(refusal(d)).toEqual([
      `tiers.agent.grantTypes[1]: 'authorization_code' is a user flow, and a client-credentials tier has no user; keep only "client_credentials" here and declare user-facing clients in another tier`,
      `tiers.agent.grantTypes[2]: 'refresh_token' is a user flow, and a client-credentials tier has no user; keep only "client_credentials" here and declare user-facing clients in another tier`,
    ]);
  });

  it("refuses a client-credentials tier without the client_credentials grant", () => {
    const d = crmCopy();
    d.tiers.agent.grantTypes = ["urn:ietf:params:oauth:grant-type:jwt-bearer"];
    expect(refusal(d)).toEqual([`tiers.agent.grantTypes: a client-credentials tier needs the "client_credentials" grant type`]);
  });

  it("refuses wildcard allowed origins, which can never match an Origin header", () => {
    const d = crmCopy();
    d.servers[0].allowedOrigins = ["https://app.example.com", "https://*.example.com"];
    expect(refusal(d)).toEqual([
      "servers[0].allowedOrigins[1]: a wildcard origin never matches an Origin header; list each exact origin (e.g. https://app.example.com)",
    ]);
  });

  it("still refuses an allowed origin that is not a URL, with one message", () => {
    const d = crmCopy();
    d.servers[0].allowedOrigins = ["*"];
    expect(refusal(d)).toEqual(["servers[0].allowedOrigins[0]: expected an absolute http(s) URL"]);
  });
});

describe("global problems are one finding in the rules too", () => {
  it("reports refresh tokens over a tightened bound once for every server and tier that shares the value", () => {
    const plan = compile(crm);
    plan.guardrails.maxRefreshTokenDays = 14;
    expect(runRules(plan, { only: ["refresh-token-policy"] }).map((f) => [f.target.kind, f.message])).toEqual([
      ["plan", "Servers 'crm' and 'crm-admin' and tiers 'cimd' and 'verified' let refresh tokens live 30 days, above the 14-day bound."],
    ]);
  });

  it("reports one server with its own refresh lifetime at that server", () => {
    const plan = compile(crm);
    plan.servers[1]!.refreshToken.lifetimeDays = 120;
    expect(runRules(plan, { only: ["refresh-token-policy"] }).map((f) => [f.target.name, f.message, f.fix])).toEqual([
      ["crm-admin", "Server 'crm-admin' lets refresh tokens live 120 days, above the 90-day bound.", "Set tokens.refreshToken.lifetimeDays to at most 90 (globally, or where the server sets its own)."],
    ]);
  });
});
