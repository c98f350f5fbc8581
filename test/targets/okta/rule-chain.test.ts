import { describe, expect, it } from "vitest";
import type { Sensitivity } from "../../../components/model/sensitivity.js";
import { matchingLink, orderLinks, ruleChain, type ChainLink } from "../../../components/targets/okta/rule-chain.js";

const LEVEL: Record<string, Sensitivity> = { r1: "routine", r2: "routine", h1: "high", h2: "high", c1: "critical" };
const levelOf = (s: string) => LEVEL[s]!;
const MINUTES = { routine: 60, high: 15, critical: 5 };
const rank = (s: Sensitivity) => ["routine", "high", "critical"].indexOf(s);

/** Every non-empty subset of xs. */
const subsets = (xs: readonly string[]): string[][] =>
  xs.reduce<string[][]>((acc, x) => [...acc, ...acc.map((s) => [...s, x])], [[]]).filter((s) => s.length > 0);
const highest = (req: readonly string[]) => req.map(levelOf).reduce((a, b) => (rank(a) >= rank(b) ? a : b));
/** The alternative reading of Okta's scope condition: a rule matches when any requested scope is listed. */
const anyOverlap = (chain: readonly ChainLink[], req: readonly string[]) => chain.findIndex((l) => req.some((s) => l.scopes.includes(s)));

describe("Okta rule chain", () => {
  it("lists single-level rules highest first, then cumulative rules lowest first", () => {
    const chain = ruleChain(Object.keys(LEVEL), levelOf, MINUTES);
    expect(chain.map((l) => [l.phase, l.levels.join("+"), l.accessTokenMinutes])).toEqual([
      [1, "critical", 5],
      [1, "high", 15],
      [2, "routine", 60],
      [2, "routine+high", 15],
      [2, "routine+high+critical", 5],
    ]);
    expect(chain[3]!.scopes).toEqual(["h1", "h2", "r1", "r2"]);
  });

  it("gives every request the lifetime of its most sensitive scope when a rule must list every requested scope", () => {
    const chain = ruleChain(Object.keys(LEVEL), levelOf, MINUTES);
    for (const req of subsets(Object.keys(LEVEL))) {
      const i = matchingLink(chain, req);
      expect(i, `request ${req.join(" ")}`).toBeGreaterThanOrEqual(0);
      expect(chain[i]!.accessTokenMinutes, `request ${req.join(" ")}`).toBe(MINUTES[highest(req)]);
    }
  });

  it("gives the same lifetimes if Okta matched a rule on any overlapping scope instead", () => {
    const chain = ruleChain(Object.keys(LEVEL), levelOf, MINUTES);
    for (const req of subsets(Object.keys(LEVEL))) {
      expect(chain[anyOverlap(chain, req)]!.accessTokenMinutes, `request ${req.join(" ")}`).toBe(MINUTES[highest(req)]);
    }
  });

  it("shows why a single 'high scopes first' rule is not enough: a mixed request skips it", () => {
    const naive: ChainLink[] = [
      { phase: 1, levels: ["high"], scopes: ["h1"], accessTokenMinutes: 15 },
      { phase: 2, levels: ["routine", "high"], scopes: ["h1", "r1"], accessTokenMinutes: 60 },
    ];
    expect(naive[matchingLink(naive, ["r1", "h1"])]!.accessTokenMinutes).toBe(60);
    const chain = ruleChain(["r1", "h1"], levelOf, MINUTES);
    expect(chain[matchingLink(chain, ["r1", "h1"])]!.accessTokenMinutes).toBe(15);
  });

  it("has one rule when every scope has the same level, and none for no scopes", () => {
    expect(ruleChain(["r1", "r2"], levelOf, MINUTES)).toEqual([{ phase: 2, levels: ["routine"], scopes: ["r1", "r2"], accessTokenMinutes: 60 }]);
    expect(ruleChain([], levelOf, MINUTES)).toEqual([]);
  });

  it("never gives a cumulative rule a longer lifetime than any level it lists, even with non-monotonic minutes", () => {
    const chain = ruleChain(["r1", "h1"], levelOf, { routine: 10, high: 30, critical: 5 });
    expect(chain.map((l) => l.accessTokenMinutes)).toEqual([30, 10, 10]);
  });

  it("orders the chains of several groups so that no request gets more than its highest level's lifetime", () => {
    const groupA = ruleChain(["r1", "h1"], levelOf, MINUTES);
    const groupB = ruleChain(["r2", "h2", "c1"], levelOf, MINUTES);
    const ordered = orderLinks([...groupA, ...groupB]);
    expect(ordered.map((l) => l.levels.join("+"))).toEqual(["critical", "high", "high", "routine", "routine", "routine+high", "routine+high", "routine+high+critical"]);
    // A user in both groups; any request one group covers.
    for (const req of [...subsets(["r1", "h1"]), ...subsets(["r2", "h2", "c1"])]) {
      const i = matchingLink(ordered, req);
      expect(ordered[i]!.accessTokenMinutes, `request ${req.join(" ")}`).toBeLessThanOrEqual(MINUTES[highest(req)]);
    }
  });
});
