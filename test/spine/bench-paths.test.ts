import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { displayPath, scrubPaths } from "../../bench/support.js";
import { ROOT } from "./helpers.js";

const BENCH = path.join(ROOT, "bench");
const published = () => [path.join(BENCH, "RESULTS.md"), ...readdirSync(path.join(BENCH, "results")).filter((f) => f.endsWith(".md")).map((f) => path.join(BENCH, "results", f))];
/** An absolute path whose first directory is a machine directory (not a URL path like `/.well-known/…`). */
const MACHINE_PATH = /(?<![\w.:/-])\/(?:home|work|tmp|usr|opt|var|root|Users|mnt|srv)\/[\w.@+/-]+/g;

describe("published benchmark figures", () => {
  it("name no absolute path of the machine that measured them", () => {
    for (const file of published()) {
      expect(readFileSync(file, "utf8").match(MACHINE_PATH) ?? [], path.relative(ROOT, file)).toEqual([]);
    }
  });

  it("show repository files relative to the repository, other checkouts by their tail here, and anything else by its name", () => {
    expect(displayPath(path.join(ROOT, "bench/results/edge.md"))).toBe("bench/results/edge.md");
    expect(displayPath("/elsewhere/checkout/bench/support.ts")).toBe("bench/support.ts");
    expect(displayPath("/usr/local/bin/node-not-in-repo")).toBe("node-not-in-repo");
    expect(displayPath("relative/path.ts")).toBe("relative/path.ts");
  });

  it("rewrite machine paths in results text but leave URL paths alone", () => {
    const text = `under \`${path.join(ROOT, "bench/edge.ts")}\` and \`/usr/bin/node\`; metadata at /.well-known/oauth-protected-resource/crm and https://mcp.example.com/crm/tools`;
    expect(scrubPaths(text)).toBe("under `bench/edge.ts` and `node`; metadata at /.well-known/oauth-protected-resource/crm and https://mcp.example.com/crm/tools");
  });

  it("leave device paths such as /dev/null as they are: they name no machine", () => {
    expect(scrubPaths("audit lines written to /dev/null, as the edge writes to stdout")).toBe("audit lines written to /dev/null, as the edge writes to stdout");
  });
});
