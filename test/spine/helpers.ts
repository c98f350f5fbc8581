import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = path.join(ROOT, "test/fixtures/declarations");
export const CRM = path.join(ROOT, "stacks/crm/mcp-auth.ts");

/** Rule fixtures: every `<rule-id>.ts` in the fixture directory (not `_base.ts`, not the schema fixture). */
export function ruleFixtureIds(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_") && f !== "twenty-mistakes.ts")
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Deterministic PRNG (mulberry32) so that a failing shuffle can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deep copy with every object's key order and every array's element order shuffled. */
export function deepShuffle<T>(value: T, rand: () => number): T {
  const shuffle = <U>(xs: U[]): U[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  if (Array.isArray(value)) return shuffle(value.map((v) => deepShuffle(v, rand))) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(shuffle(Object.entries(value).map(([k, v]) => [k, deepShuffle(v, rand)] as const))) as T;
  }
  return value;
}
