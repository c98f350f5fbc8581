import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../../lambda/config.js";
import { compile } from "../../../components/plan/compile.js";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { OKTA_MOCKS, ORG } from "./fixture.js";

/**
 * The README's "Provision your IdP" example, `new OktaMcpAuth("crm", { plan: compile(decl) })` over the
 * README's "Declare" example, needs no other argument and returns, per MCP server, the issuer, the JWKS
 * URI, the client ids and a validated edge config (under Pulumi mocks).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
const block = (heading: string) => /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(`\n## ${heading}\n`)))![1]!;
const dir = mkdtempSync(path.join(os.tmpdir(), "readme-okta-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let mocks: MockHarness;
let auth: import("../../../components/targets/okta/component.js").OktaMcpAuth;

beforeAll(async () => {
  const provision = block("Provision your IdP");
  // The example as the README writes it: the plan of its Declare example, and nothing else.
  expect(provision).toMatch(/new OktaMcpAuth\("crm", \{ plan: compile\(decl\) \}\)/);
  const file = path.join(dir, "mcp-auth.ts");
  writeFileSync(file, block("Declare").replace(/from "pulumi-mcp-auth"/, `from ${JSON.stringify(pathToFileURL(path.join(ROOT, "components/index.ts")).href)}`));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  const decl = ((await import(pathToFileURL(file).href)) as { default: Parameters<typeof compile>[0] }).default;
  mocks = await installMocks(OKTA_MOCKS);
  const { OktaMcpAuth } = await import("../../../components/targets/okta/component.js");
  auth = new OktaMcpAuth("crm", { plan: compile(decl) });
  await mocks.settled();
});

describe("the README's Okta example", () => {
  it("returns the issuer, the JWKS URI, the client ids and a validated edge config for its MCP server", async () => {
    const server = auth.servers["crm"]!;
    const issuer = await promiseOf(server.issuer);
    expect(issuer).toMatch(new RegExp(`^${ORG}/oauth2/`));
    expect(await promiseOf(server.jwksUri)).toBe(`${issuer}/v1/keys`);
    const config = parseEdgeConfig(await promiseOf(server.edgeConfig));
    expect(config.resource).toBe("https://mcp.example.com/crm");
    expect(config.upstream).toBe("https://crm-mcp.internal.example.com/mcp");
    expect(Object.keys(auth.clientIds)).toEqual(["verified/claude-code"]);
    expect(await promiseOf(server.clientIds)).toEqual([await promiseOf(auth.clientIds["verified/claude-code"]!)]);
  });
});
