import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DOCS = ["README.md", "docs/front.md", "docs/local.md", "docs/cli.md", "docs/declarations.md", "docs/rules.md"];

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  let inCode = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("```")) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(line)) out.add(slug(line.replace(/^#+ /, "")));
  }
  return out;
}

describe("links in the README and the docs", () => {
  it("point at files that exist in the repository, and at headings those files have", () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const text = readFileSync(path.join(ROOT, doc), "utf8").replace(/^```[\s\S]*?^```/gm, "");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = m[1]!;
        if (/^[a-z]+:/.test(href)) continue;
        const [file, anchor] = href.split("#") as [string, string | undefined];
        const target = file ? path.resolve(path.dirname(path.join(ROOT, doc)), file) : path.join(ROOT, doc);
        if (!existsSync(target)) broken.push(`${doc}: ${href} (no such file)`);
        else if (anchor !== undefined && statSync(target).isFile() && target.endsWith(".md") && !anchors(target).has(anchor)) broken.push(`${doc}: ${href} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("name only repository paths that exist", () => {
    const missing: string[] = [];
    for (const doc of DOCS) {
      const text = readFileSync(path.join(ROOT, doc), "utf8");
      for (const m of text.matchAll(/`((?:components|lambda|cli|stacks|test|bench|policy-packs|tools\/conformance|docs)\/[\w./-]*)`/g)) {
        if (!existsSync(path.join(ROOT, m[1]!))) missing.push(`${doc}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
