import * as nodeAssert from "node:assert";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { LAZY_ASSERT_SOURCE } from "../../components/front/aws/build.js";

/**
 * The `node:assert` the front's Lambda bundle gives oidc-provider and koa: the same outcome as
 * Node's assert for the calls they make (`assert(value, message)`, strict `assert.equal`).
 */
function lazyAssert(): typeof nodeAssert.strict {
  const module = { exports: {} as unknown };
  new Function("require", "module", LAZY_ASSERT_SOURCE)(createRequire(import.meta.url), module);
  return module.exports as typeof nodeAssert.strict;
}

function outcome(run: () => void): unknown {
  try {
    run();
    return "passed";
  } catch (err) {
    const e = err as nodeAssert.AssertionError;
    return { class: e.constructor.name, name: e.name, code: e.code, message: e.message, actual: e.actual, expected: e.expected, operator: e.operator };
  }
}

describe("the bundle's lazy node:assert", () => {
  const lazy = lazyAssert();
  const values: unknown[] = [true, 1, "x", {}, [], false, 0, "", null, undefined, Number.NaN];

  it("passes and fails ok-assertions exactly as Node's assert does, with the same error", () => {
    for (const v of values) {
      expect(outcome(() => lazy(v, "invalid route name"))).toEqual(outcome(() => nodeAssert.strict(v, "invalid route name")));
      expect(outcome(() => lazy.strict(v, "m"))).toEqual(outcome(() => nodeAssert.ok(v, "m")));
    }
    expect(outcome(() => lazy(false, "must be a function"))).toMatchObject({ class: "AssertionError", code: "ERR_ASSERTION", message: "must be a function" });
  });

  it("compares strict equal as Node's strictEqual does (NaN equals NaN, 1 is not '1', -0 is not 0)", () => {
    const pairs: [unknown, unknown][] = [["login", "login"], ["login", "consent"], [1, "1"], [Number.NaN, Number.NaN], [0, -0], [null, undefined], ["function", "function"]];
    for (const [a, b] of pairs) expect(outcome(() => lazy.equal(a, b, "invalid middleware"))).toEqual(outcome(() => nodeAssert.strict.equal(a, b, "invalid middleware")));
    expect(outcome(() => lazy.equal(0, -0, "m"))).not.toBe("passed");
  });
});
