import { describe, expect, it } from "vitest";
import { highestSensitivity } from "../../components/front/policy.js";
import { SENSITIVITY_LEVELS } from "../../components/model/sensitivity.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";

describe("the front's ranking of sensitivity levels", () => {
  it("orders levels as the model does, so the highest granted level decides lifetimes and step-up", () => {
    // One scope per level; every pair must pick the level the model ranks higher.
    const plan = { scopes: SENSITIVITY_LEVELS.map((level) => ({ name: `s-${level}`, sensitivity: level })) } as unknown as McpAuthPlan;
    for (const [i, a] of SENSITIVITY_LEVELS.entries()) {
      for (const [j, b] of SENSITIVITY_LEVELS.entries()) {
        expect(highestSensitivity(plan, [`s-${a}`, `s-${b}`])).toBe(SENSITIVITY_LEVELS[Math.max(i, j)]);
      }
    }
    expect(highestSensitivity(plan, [])).toBe("routine");
    expect(highestSensitivity(plan, ["unknown"])).toBe("critical");
  });
});
