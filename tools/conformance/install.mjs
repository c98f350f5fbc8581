#!/usr/bin/env node
// Installs the conformance tools (tools/conformance/package-lock.json) unless they are already there.
// Run by `npm test` (pretest). Kept out of the root package so that the library's own dependencies stay
// small; the suite runs on the Node 22 that runs the tests (the root's `node` dev dependency, for any
// platform).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const ready = existsSync(join(dir, "node_modules/@modelcontextprotocol/conformance/dist/index.js"));
if (!ready) {
  const npm = process.env.npm_execpath;
  const [cmd, args] = npm ? [process.execPath, [npm]] : ["npm", []];
  execFileSync(cmd, [...args, "ci", "--prefix", dir, "--no-audit", "--no-fund"], { stdio: "inherit" });
}
