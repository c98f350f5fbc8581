/**
 * Writes bench/RESULTS.md from the per-area figures each benchmark wrote to bench/results/*.md
 * (the last step of `npm run bench`), so the summary never drifts from the runs.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { scrubPaths } from "./support.js";

const dir = new URL("./results/", import.meta.url);
const ORDER = ["compile.md", "edge.md", "aws.md", "diff.md", "front.md", "surface.md"];
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".md"))
  .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));

const header = `# Benchmark results

Written by \`npm run bench\` from \`bench/results/*.md\`, which each benchmark rewrites when it runs
(\`npm run bench:compile\`, \`bench:edge\`, \`bench:diff\`, \`bench:gateway\`, \`bench:front\`, \`bench:surface\`; the AWS artifact figures come from
\`npx tsx test/targets/aws/measure-artifact.ts\`). Every figure is measured on the machine named in its
section, and every ratio is against a baseline measured in the same run. Last assembled on a
${cpus().length}-core ${cpus()[0]?.model.trim() ?? "machine"} with Node ${process.version}.
`;
// Published figures name files relative to the repository, never by a path of the measuring machine:
// each results file is rewritten in place, then assembled.
const body = files.map((f) => {
  const raw = readFileSync(new URL(f, dir), "utf8");
  const text = scrubPaths(raw);
  if (text !== raw) writeFileSync(new URL(f, dir), text);
  return text.trim().replace(/^# /, "## ").replace(/\n## /g, "\n### ");
});
writeFileSync(new URL("./RESULTS.md", import.meta.url), `${header}\n${body.join("\n\n")}\n`);
process.stdout.write(`Wrote bench/RESULTS.md from ${files.join(", ")}\n`);
