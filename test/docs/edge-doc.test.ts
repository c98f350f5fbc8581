import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../lambda/config.js";
import { MAX_BODY_BYTES } from "../../lambda/core/edge.js";
import { MAX_TOKEN_LENGTH } from "../../lambda/core/verify.js";
import { DEFAULT_CALLS_PER_SOURCE_PER_MINUTE, DEFAULT_NEGATIVE_CACHE_SECONDS, INTROSPECTION_TIMEOUT_MS } from "../../lambda/core/introspect.js";
import { DEFAULT_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_MAX_AGE_SECONDS } from "../../lambda/core/checkpoint.js";
import { MAX_LIST_BYTES } from "../../lambda/core/list-filter.js";
import { ASSERTION_ALGORITHMS } from "../../lambda/core/assertion.js";
import { FORWARDED_REQUEST_HEADERS } from "../../lambda/core/forward.js";
import { NEVER_FORWARDED_HEADERS } from "../../lambda/core/never-forwarded.js";
import { crmConfig } from "../targets/aws/fixtures.js";

/**
 * docs/edge.md against the edge's code: the file map, the limits and defaults it quotes, the
 * verifier's problem codes and the forwarded-header lists. Each figure is read from the doc's own
 * sentence, so a change on either side fails here.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DOC = readFileSync(path.join(ROOT, "docs/edge.md"), "utf8");

/** The first capture of `re` in the doc; fails when the sentence is gone. */
function quoted(re: RegExp): string {
  const m = re.exec(DOC);
  expect(m, `docs/edge.md no longer says ${re}`).not.toBeNull();
  return m![1]!;
}
const num = (s: string): number => Number(s.replace(/,/g, ""));

/** The crm-admin config with an introspection section (as the Okta target writes it), one field changed. */
function withIntrospection(fields: Record<string, unknown>): unknown {
  const introspection = { endpoint: "https://idp.example.com/oauth2/aus1/v1/introspect", clientId: "edge", clientSecretEnv: "OKTA_INTROSPECTION_CLIENT_SECRET", scopes: ["crm:settings:write"], cacheSeconds: 30 };
  return { ...crmConfig("crm-admin"), introspection: { ...introspection, ...fields } };
}

describe("docs/edge.md", () => {
  it("maps every source file of lambda/, and names no file that does not exist", () => {
    const block = /^```\nlambda\/\n([\s\S]*?)```/m.exec(DOC)![1]!;
    const names: string[] = [];
    for (const line of block.split("\n")) {
      // Four-space entries are in core/; a name with a directory is relative to lambda/.
      const inCore = line.startsWith("    ");
      for (const m of line.matchAll(/(?<![\w/.-])([\w-]+(?:\/[\w-]+)*\.ts)\b/g)) names.push(inCore && !m[1]!.includes("/") ? `core/${m[1]}` : m[1]!);
    }
    expect(names.length).toBeGreaterThan(40);
    const missing = names.filter((n) => !existsSync(path.join(ROOT, "lambda", n)));
    expect(missing).toEqual([]);
    // …and every source file of lambda/ has its line, so a new module is placed on the map.
    const files = readdirSync(path.join(ROOT, "lambda"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => f.split(path.sep).join("/"));
    expect(files.filter((f) => !names.includes(f)).sort()).toEqual([]);
  });

  it("states the body, token and list size limits the edge enforces", () => {
    expect(num(quoted(/stops at\s+`MAX_BODY_BYTES` \((\d+) MiB\)/)) * 1024 * 1024).toBe(MAX_BODY_BYTES);
    expect(num(quoted(/base64url segments \([^)]*\), ≤ (\d+) KB/)) * 1024).toBe(MAX_TOKEN_LENGTH);
    expect(num(quoted(/larger than (\d+) MiB\) is refused with 502/)) * 1024 * 1024).toBe(MAX_LIST_BYTES);
  });

  it("quotes the introspection defaults and bounds that the config schema applies", () => {
    expect(num(quoted(/`introspection\.negativeCacheSeconds` \(default (\d+),/))).toBe(DEFAULT_NEGATIVE_CACHE_SECONDS);
    const negMax = num(quoted(/`introspection\.negativeCacheSeconds` \(default \d+, at most (\d+)\)/));
    expect(() => parseEdgeConfig(withIntrospection({ negativeCacheSeconds: negMax }))).not.toThrow();
    expect(() => parseEdgeConfig(withIntrospection({ negativeCacheSeconds: negMax + 1 }))).toThrow(/negativeCacheSeconds/);

    expect(num(quoted(/`introspection\.maxCallsPerSourcePerMinute` \(default (\d+),/))).toBe(DEFAULT_CALLS_PER_SOURCE_PER_MINUTE);
    const [lo, hi] = /`introspection\.maxCallsPerSourcePerMinute` \(default \d+, an integer from ([\d,]+) to ([\d,]+)\)/.exec(DOC)!.slice(1).map(num);
    expect(() => parseEdgeConfig(withIntrospection({ maxCallsPerSourcePerMinute: lo }))).not.toThrow();
    expect(() => parseEdgeConfig(withIntrospection({ maxCallsPerSourcePerMinute: hi }))).not.toThrow();
    expect(() => parseEdgeConfig(withIntrospection({ maxCallsPerSourcePerMinute: lo! - 1 }))).toThrow(/maxCallsPerSourcePerMinute/);
    expect(() => parseEdgeConfig(withIntrospection({ maxCallsPerSourcePerMinute: hi! + 1 }))).toThrow(/maxCallsPerSourcePerMinute/);

    const cacheMax = num(quoted(/a positive cache of at most `cacheSeconds` \(≤ (\d+)\)/));
    expect(() => parseEdgeConfig(withIntrospection({ cacheSeconds: cacheMax }))).not.toThrow();
    expect(() => parseEdgeConfig(withIntrospection({ cacheSeconds: cacheMax + 1 }))).toThrow(/cacheSeconds/);
    // "bounded at 3 s by the edge" (docs/aws.md Sizing) rests on the same constant.
    expect(INTROSPECTION_TIMEOUT_MS).toBe(3000);
  });

  it("bounds the clock leeway as it says", () => {
    const leeway = num(quoted(/`exp`\/`nbf` with the configured leeway \(≤ (\d+) s\)/));
    const base = crmConfig("crm") as Record<string, unknown>;
    expect(() => parseEdgeConfig({ ...base, clockToleranceSeconds: leeway })).not.toThrow();
    expect(() => parseEdgeConfig({ ...base, clockToleranceSeconds: leeway + 1 })).toThrow(/clockToleranceSeconds/);
  });

  it("quotes the checkpoint defaults the checkpoint writer uses", () => {
    expect(num(quoted(/`checkpoints` \| none \| signed checkpoints of the audit chain: `\{ signer, sink, every\?: (\d+),/))).toBe(DEFAULT_CHECKPOINT_EVERY);
    expect(num(quoted(/maxAgeSeconds\?: (\d+) \}`/))).toBe(DEFAULT_CHECKPOINT_MAX_AGE_SECONDS);
    expect(num(quoted(/one every `every` records \(default\s+(\d+)\)/))).toBe(DEFAULT_CHECKPOINT_EVERY);
    expect(num(quoted(/`maxAgeSeconds` \(default (\d+),/))).toBe(DEFAULT_CHECKPOINT_MAX_AGE_SECONDS);
  });

  it("lists exactly the assertion algorithms the edge can sign with", () => {
    const listed = [...quoted(/The algorithm follows from the key: ([\s\S]*?)\(`ASSERTION_ALGORITHMS`\)/).matchAll(/→ `(\w+)`/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...ASSERTION_ALGORITHMS].sort());
  });

  it("lists exactly the problems the audit verifier reports", () => {
    const source = readFileSync(path.join(ROOT, "lambda/core/audit-verify.ts"), "utf8");
    const union = /problem:\s*((?:\s*(?:\/\*\*[^*]*\*\/)?\s*\|\s*"[a-z_]+")+)/.exec(source)![1]!;
    const codes = [...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!).sort();
    const table = DOC.slice(DOC.indexOf("| problem | meaning |"));
    const rows = table.slice(0, table.indexOf("\n\n"));
    const documented = [...rows.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!)).sort();
    expect(documented).toEqual(codes);
  });

  it("lists the request headers always forwarded and the ones forwardHeaders may never name", () => {
    const always = [...quoted(/- always: ([^;]+);/).matchAll(/`([\w-]+)`/g)].map((m) => m[1]!.toLowerCase()).sort();
    expect(always).toEqual([...FORWARDED_REQUEST_HEADERS].sort());
    const never = quoted(/`parseEdgeConfig` refuses a credential ([\s\S]*?)there \(`NEVER_FORWARDED_HEADERS`\)/);
    const named = [...never.matchAll(/`([\w-]+)`/g)].map((m) => m[1]!).filter((h) => !h.endsWith("-"));
    expect(named.length).toBeGreaterThan(10);
    for (const h of named) expect(NEVER_FORWARDED_HEADERS.has(h), h).toBe(true);
    for (const h of named) expect(() => parseEdgeConfig({ ...crmConfig("crm"), forwardHeaders: [h] }), h).toThrow(/forwardHeaders/);
    expect(() => parseEdgeConfig({ ...crmConfig("crm"), forwardHeaders: ["x-request-id", "traceparent"] })).not.toThrow();
  });
});
