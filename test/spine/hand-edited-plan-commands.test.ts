import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../components/index.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { runCli } from "../support/cli.js";

/**
 * A plan JSON is deployed by its derived fields (targets, the edge), which the rules do not judge:
 * every command that reads one refuses it unless it is exactly what its declared part compiles to,
 * so a security review (`report`) or a re-written plan (`plan --out`) never vouches for a hand edit.
 */
describe("commands reading a hand-edited plan JSON", () => {
  const edited = () => {
    const plan = JSON.parse(JSON.stringify(compile(crm)));
    // Quietly let the DCR tier hold the critical export scope.
    const dcr = plan.servers.find((s: any) => s.name === "crm").access.find((a: any) => a.tier === "dcr");
    dcr.scopes = [...dcr.scopes, "crm:customers:export"].sort();
    return plan;
  };

  for (const argv of [["report", "--idp", "okta"], ["plan"], ["check"]]) {
    it(`${argv[0]} refuses it with exit 2, naming the edited entry`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "hand-edited-"));
      try {
        writeFileSync(path.join(dir, "plan.json"), JSON.stringify(edited()));
        const r = await runCli([argv[0]!, "plan.json", ...argv.slice(1)], { cwd: dir });
        expect(r.code).toBe(2);
        expect(r.stderr + r.stdout).toContain("servers[crm].access[dcr]");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("report still reads an untouched plan JSON", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "hand-edited-"));
    try {
      writeFileSync(path.join(dir, "plan.json"), JSON.stringify(compile(crm)));
      const r = await runCli(["report", "plan.json", "--idp", "okta"], { cwd: dir });
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
