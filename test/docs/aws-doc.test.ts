import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AWS_EDGE_DEFAULTS, EDGE_RUNTIMES, LOG_RETENTION_DAYS, validateEdgeArgs, type McpEdgeArgs } from "../../components/targets/aws/args.js";
import { AuditArchiveOptionsSchema } from "../../components/targets/aws/args.js";
import { AWS_FRONT_DEFAULTS } from "../../components/targets/aws/front-args.js";
import { DEFAULT_CHECKPOINT_EVERY } from "../../lambda/core/checkpoint.js";

/**
 * docs/aws.md's argument tables against `McpEdge` and `McpAuthFront`: the defaults it states are
 * the defaults the components apply, and the bounds it states are the bounds their validation
 * enforces. Figures are read from the doc's rows, so a change on either side fails here.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DOC = readFileSync(path.join(ROOT, "docs/aws.md"), "utf8");
const num = (s: string): number => Number(s.replace(/,/g, ""));

/** The McpEdge argument row for `name`: [default, notes]. */
function row(name: string): [string, string] {
  const table = DOC.slice(DOC.indexOf("## Arguments"), DOC.indexOf("Plain arguments are validated"));
  const line = table.split("\n").find((l) => l.startsWith(`| \`${name}\``));
  expect(line, `docs/aws.md has no argument row for ${name}`).toBeDefined();
  const cells = line!.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
  return [cells[1]!, cells[2]!];
}

const base: McpEdgeArgs = { servers: [{ name: "crm", edgeConfig: {} as never }] };
const accepts = (args: Partial<McpEdgeArgs> | Record<string, unknown>): boolean => {
  try {
    validateEdgeArgs({ ...base, ...args } as McpEdgeArgs);
    return true;
  } catch {
    return false;
  }
};

describe("docs/aws.md, McpEdge arguments", () => {
  it("states the defaults McpEdge applies", () => {
    expect(num(row("memoryMb")[0])).toBe(AWS_EDGE_DEFAULTS.memoryMb);
    const [gw, auth] = /^(\d+) \(gateway\), (\d+) \(authorizer\)$/.exec(row("timeoutSeconds")[0])!.slice(1).map(num);
    expect([gw, auth]).toEqual([AWS_EDGE_DEFAULTS.gatewayTimeoutSeconds, AWS_EDGE_DEFAULTS.authorizerTimeoutSeconds]);
    expect(num(row("logRetentionDays")[0])).toBe(AWS_EDGE_DEFAULTS.logRetentionDays);
    expect(row("runtime")[0]).toBe(`\`${AWS_EDGE_DEFAULTS.runtime}\``);
    expect(row("mode")[0]).toBe('`"gateway"`');
    expect(row("jwksSnapshot")[0]).toBe("`false`");
    expect(row("assertionKeyType")[0]).toBe('`"Ed25519"`');
    const [t401, t403, period] = /^(\d+), (\d+), (\d+) s$/.exec(row("alarms` `{ actions?, threshold401?, threshold403?, periodSeconds? }")[0])!.slice(1).map(num);
    expect([t401, t403, period]).toEqual([AWS_EDGE_DEFAULTS.alarmThreshold401, AWS_EDGE_DEFAULTS.alarmThreshold403, AWS_EDGE_DEFAULTS.alarmPeriodSeconds]);
    const defaults = validateEdgeArgs(base);
    expect(defaults).toMatchObject({ mode: "gateway", jwksSnapshot: false, assertionKeyType: "Ed25519", memoryMb: AWS_EDGE_DEFAULTS.memoryMb, runtime: AWS_EDGE_DEFAULTS.runtime });
  });

  it("lists exactly the runtimes and log retention periods McpEdge accepts", () => {
    expect(row("runtime")[1]).toContain(`\`${EDGE_RUNTIMES.find((r) => r !== AWS_EDGE_DEFAULTS.runtime)}\` allowed`);
    const listed = /one of CloudWatch's values \(([\d, ]+)\)/.exec(row("logRetentionDays")[1])![1]!.split(", ").map(num);
    expect(listed).toEqual([...LOG_RETENTION_DAYS]);
    for (const d of listed) expect(accepts({ logRetentionDays: d }), String(d)).toBe(true);
    expect(accepts({ logRetentionDays: 0 })).toBe(false);
    expect(accepts({ logRetentionDays: 2 })).toBe(false);
  });

  it("states the bounds McpEdge's validation enforces", () => {
    const [memLo, memHi] = /an integer from ([\d,]+) to ([\d,]+)/.exec(row("memoryMb")[1])!.slice(1).map(num);
    expect([accepts({ memoryMb: memLo }), accepts({ memoryMb: memHi }), accepts({ memoryMb: memLo! - 1 }), accepts({ memoryMb: memHi! + 1 })]).toEqual([true, true, false, false]);
    const [toLo, toHi] = /an integer from ([\d,]+) to ([\d,]+)/.exec(row("timeoutSeconds")[1])!.slice(1).map(num);
    expect([accepts({ timeoutSeconds: toLo }), accepts({ timeoutSeconds: toHi }), accepts({ timeoutSeconds: toLo! - 1 }), accepts({ timeoutSeconds: toHi! + 1 })]).toEqual([true, true, false, false]);
    expect(row("reservedConcurrency")[1]).toMatch(/^at least 1;/);
    expect([accepts({ reservedConcurrency: 1 }), accepts({ reservedConcurrency: 0 })]).toEqual([true, false]);
    // Server names: "1–40 lower-case letters, digits or `-`, starting with a letter".
    expect(row("servers[]` `{ name, edgeConfig?, upstream? }")[1]).toContain("1–40 lower-case letters, digits or `-`, starting with a letter");
    const named = (name: string) => accepts({ servers: [{ name, edgeConfig: {} as never }] });
    expect([named("a"), named(`a${"b".repeat(39)}`), named("1crm"), named(`a${"b".repeat(40)}`), named("Crm")]).toEqual([true, true, false, false, false]);
    // Alarm periods: "a multiple of 60 s".
    expect(row("alarms` `{ actions?, threshold401?, threshold403?, periodSeconds? }")[1]).toContain("the period a multiple of 60 s");
    expect([accepts({ alarms: { periodSeconds: 120 } }), accepts({ alarms: { periodSeconds: 90 } })]).toEqual([true, false]);
  });

  it("states the audit archive's bounds and defaults", () => {
    const notes = row("auditArchive` `{ retentionDays?, checkpointEvery?, hmacKey? }")[1];
    const [rLo, rHi] = /`retentionDays` ([\d,]+)–([\d,]+)/.exec(notes)!.slice(1).map(num);
    const [cLo, cHi, cDefault] = /`checkpointEvery` ([\d,]+)–([\d,]+), default ([\d,]+)/.exec(notes)!.slice(1).map(num);
    const ok = (o: Record<string, unknown>) => AuditArchiveOptionsSchema.safeParse(o).success;
    expect([ok({ retentionDays: rLo }), ok({ retentionDays: rHi }), ok({ retentionDays: rLo! - 1 }), ok({ retentionDays: rHi! + 1 })]).toEqual([true, true, false, false]);
    expect([ok({ checkpointEvery: cLo }), ok({ checkpointEvery: cHi }), ok({ checkpointEvery: cLo! - 1 }), ok({ checkpointEvery: cHi! + 1 })]).toEqual([true, true, false, false]);
    expect(cDefault).toBe(DEFAULT_CHECKPOINT_EVERY);
  });
});

describe("docs/aws.md, McpAuthFront arguments", () => {
  it("states the defaults McpAuthFront applies", () => {
    const text = DOC.slice(DOC.indexOf("**Arguments.** `plan`, `upstream`"));
    expect(num(/`memoryMb` \((\d+)\)/.exec(text)![1]!)).toBe(AWS_FRONT_DEFAULTS.memoryMb);
    expect(num(/`timeoutSeconds` \((\d+);/.exec(text)![1]!)).toBe(AWS_FRONT_DEFAULTS.timeoutSeconds);
    expect(num(/`logRetentionDays` \((\d+)\)/.exec(text)![1]!)).toBe(AWS_FRONT_DEFAULTS.logRetentionDays);
    const [burst, failed, period] = /`registrationBurstThreshold` (\d+), `failedSignInThreshold` (\d+),\s+`periodSeconds` (\d+)/.exec(text)!.slice(1).map(num);
    expect([burst, failed, period]).toEqual([AWS_FRONT_DEFAULTS.registrationBurstThreshold, AWS_FRONT_DEFAULTS.failedSignInThreshold, AWS_FRONT_DEFAULTS.alarmPeriodSeconds]);
  });
});
