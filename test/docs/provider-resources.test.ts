import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The resource tables of the target pages (docs/okta.md, docs/auth0.md, docs/entra.md, docs/aws.md)
 * against the provider packages installed: every resource a row names exists in the provider, and
 * every input the row names (`tokenEndpointAuthMethod: none`, `api.requestedAccessTokenVersion`,
 * `` `identifier` = ``) is an input of that resource or a field the toolkit itself defines (a
 * component argument or a plan field). Read from the providers' type definitions, so a provider
 * upgrade that renames an input fails here.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const PAGES = [
  { doc: "okta", pkg: "okta", code: ["components/targets/okta"] },
  { doc: "auth0", pkg: "auth0", code: ["components/targets/auth0"] },
  { doc: "entra", pkg: "azuread", code: ["components/targets/entra"] },
  { doc: "aws", pkg: "aws", code: ["components/targets/aws", "components/front/store"] },
] as const;

const pkgDir = (pkg: string): string => path.dirname(require.resolve(`@pulumi/${pkg}/package.json`));
const lowerFirst = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

/** The type definition file of a resource or data source, searched in `mod` or, without one, in every module. */
function definitionOf(pkg: string, mod: string | undefined, name: string): string | undefined {
  const dir = pkgDir(pkg);
  const dirs = mod !== undefined ? [mod] : ["", ...readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !["node_modules", "types", "config"].includes(d.name)).map((d) => d.name)];
  for (const d of dirs) {
    for (const f of [lowerFirst(name), name.toLowerCase()]) {
      const file = path.join(dir, d, `${f}.d.ts`);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

/** Input names of a resource (`<Name>Args`) or a data source (`Get<Name>Args`). */
function inputsOf(file: string, name: string): Set<string> {
  const text = readFileSync(file, "utf8");
  const base = name.replace(/^get/, "");
  const out = new Set<string>();
  for (const m of text.matchAll(new RegExp(`export interface (?:${base}Args|Get${base}Args) \\{([\\s\\S]*?)\\n\\}`, "g"))) {
    for (const p of m[1]!.matchAll(/^\s+(?:readonly )?(\w+)\??:/gm)) out.add(p[1]!);
  }
  return out;
}

/**
 * Names the toolkit defines: property names declared in its code (component arguments, outputs,
 * plan fields), string literals that are identifiers (attribute names such as `expiresAt`), and
 * Pulumi's resource options (`dependsOn`, `retainOnDelete`).
 */
function toolkitFields(dirs: readonly string[]): Set<string> {
  const files = [
    ...dirs.flatMap((d) => readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, d, f))),
    path.join(ROOT, "components/plan/schema.ts"),
    path.join(ROOT, "components/targets/front-upstream.ts"),
  ];
  const out = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/^\s+(?:readonly )?(\w+)\??:/gm)) out.add(m[1]!);
    for (const m of text.matchAll(/"([a-z]+[A-Z]\w*)"/g)) out.add(m[1]!);
  }
  const options = readFileSync(path.join(pkgDir("pulumi"), "resource.d.ts"), "utf8");
  for (const m of options.matchAll(/export interface (?:Custom)?ResourceOptions (?:extends \w+ )?\{([\s\S]*?)\n\}/g)) {
    for (const p of m[1]!.matchAll(/^\s+(?:readonly )?(\w+)\??:/gm)) out.add(p[1]!);
  }
  return out;
}

interface Row {
  line: string;
  resources: Array<{ token: string; file: string | undefined; name: string }>;
  inputs: string[];
}

/** Rows of the page's tables whose resource cell names provider resources. */
function resourceRows(doc: string, pkg: string): Row[] {
  const text = readFileSync(path.join(ROOT, "docs", `${doc}.md`), "utf8");
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("| ")) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    // Auth0's main table has a "per" column first; elsewhere the resource is the first cell.
    const at = pkg === "auth0" && cells.length === 3 && !cells[0]!.includes("`") && /`[A-Z]/.test(cells[1]!) ? 1 : 0;
    const cell = cells[at]!;
    const qualified = new RegExp(`\`${pkg}\\.`).test(cell);
    if (!qualified && !/^\s*(?:\w+ × )?`[A-Z][a-z]\w*`/.test(cell)) continue;
    let mod: string | undefined;
    const resources: Row["resources"] = [];
    // Qualified names (`okta.app.OAuth`), and bare ones (`RolePolicy`, not the record types `A`/`AAAA`).
    for (const m of cell.matchAll(new RegExp(`\`(?:${pkg}\\.(?:([a-z0-9]+)\\.)?((?:get)?[A-Z][A-Za-z0-9]*)|((?:get)?[A-Z][a-z][A-Za-z0-9]*))\``, "g"))) {
      if (m[2] !== undefined) mod = m[1];
      const name = (m[2] ?? m[3])!;
      // A bare name after a qualified one is in the same module (`aws.iam.Role` + `RolePolicy`).
      resources.push({ token: m[0], name, file: definitionOf(pkg, mod, name) ?? definitionOf(pkg, undefined, name) });
    }
    const rest = cells.filter((_, i) => i !== at).join("|");
    // camelCase names in code spans: `pkceRequired`, `consent: FLEXIBLE`, `api.requestedAccessTokenVersion: 2`.
    const inputs = [...rest.matchAll(/`([a-z]+[A-Z][A-Za-z0-9]*)(?:(?::|\.)[^`]*)?`/g)].map((m) => m[1]!);
    rows.push({ line, resources, inputs: [...new Set(inputs)] });
  }
  return rows;
}

describe("the target pages' resource tables", () => {
  for (const { doc, pkg, code } of PAGES) {
    it(`docs/${doc}.md names only resources that @pulumi/${pkg} has`, () => {
      const rows = resourceRows(doc, pkg);
      expect(rows.length).toBeGreaterThan(4);
      expect(rows.filter((r) => r.resources.length === 0).map((r) => r.line)).toEqual([]);
      const missing = rows.flatMap((r) => r.resources.filter((x) => x.file === undefined).map((x) => x.token));
      expect(missing).toEqual([]);
    });

    it(`docs/${doc}.md names only inputs that the @pulumi/${pkg} resource or the component defines`, () => {
      const own = toolkitFields(code);
      const wrong = resourceRows(doc, pkg).flatMap((r) => {
        const inputs = new Set(r.resources.flatMap((x) => (x.file ? [...inputsOf(x.file, x.name)] : [])));
        return r.inputs.filter((i) => !inputs.has(i) && !own.has(i)).map((i) => `${r.resources.map((x) => x.token).join(" + ")}: ${i}`);
      });
      expect(wrong).toEqual([]);
    });
  }

  it("states the provider versions that are installed", () => {
    const version = (pkg: string): string => (JSON.parse(readFileSync(path.join(pkgDir(pkg), "package.json"), "utf8")) as { version: string }).version;
    const read = (doc: string) => readFileSync(path.join(ROOT, "docs", `${doc}.md`), "utf8");
    expect(version("okta")).toBe(/`@pulumi\/okta` \(tested against (\d+\.\d+\.\d+)\)/.exec(read("okta"))![1]);
    expect(version("auth0").startsWith(`${/\(`@pulumi\/auth0` (\d+\.\d+)\)/.exec(read("auth0"))![1]}.`)).toBe(true);
    expect(version("azuread").split(".")[0]).toBe(/`@pulumi\/azuread` (\d+)\.x/.exec(read("entra"))![1]);
  });
});
