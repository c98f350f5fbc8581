import { execFile as execFileCb } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { InputFileError } from "./io.js";
import { loadPlan, parsePlanJson } from "./load.js";
import { checkDerived } from "./plan-loader.js";
import type { McpAuthPlan } from "../components/plan/schema.js";

const execFile = promisify(execFileCb);

/** One side of `diff`: a file in the working tree, or a file at a git revision. */
export type DiffSource = { readonly kind: "file"; readonly path: string } | { readonly kind: "git"; readonly ref: string; readonly path: string };

/** How a source is shown in reports: the path, or `ref:path`. */
export const sourceLabel = (s: DiffSource): string => (s.kind === "file" ? s.path : `${s.ref}:${s.path}`);

/**
 * Reads a side given on the command line: an existing file (plan JSON or declaration), else
 * `<ref>:<path>` (git's own revision:path syntax, path relative to the current directory).
 */
export function parseSource(spec: string, cwd: string): DiffSource {
  if (existsSync(path.resolve(cwd, spec))) return { kind: "file", path: spec };
  const m = /^([^:]+):(.+)$/.exec(spec);
  if (m) return { kind: "git", ref: m[1]!, path: m[2]! };
  throw new Error(`${spec}: no such file; give a plan JSON, a declaration file or <git-ref>:<path>`);
}

/** A git ref must not look like an option (`--upload-pack=…`): it is passed to git as an argument. */
function checkRef(ref: string): void {
  if (!/^[A-Za-z0-9_./@^~{}-]+$/.test(ref) || ref.startsWith("-")) throw new Error(`invalid git ref '${ref}'`);
}

async function git(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await execFile("git", [...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`git ${args[0]} failed: ${(e.stderr ?? e.message).trim().split("\n")[0]}`);
  }
}

/**
 * Loads a plan from a source. A plan JSON at a ref is read with `git show`. A declaration at a ref is
 * a TypeScript module whose relative imports must resolve too, so the whole tree at that ref is
 * written to a temporary directory through a temporary index (`git read-tree` + `git checkout-index`:
 * the repository's index, working tree and HEAD are left alone; `.gitattributes` export rules do not
 * apply). `node_modules` is not in git: the working tree's `node_modules` directories on the way from
 * the declaration up to the filesystem root are linked into the copy. The copy is removed afterwards.
 * @throws DeclarationError for an invalid declaration or plan; Error for git problems.
 */
export async function loadSource(source: DiffSource, cwd: string): Promise<McpAuthPlan> {
  // A plan JSON must be what its declared part compiles to (as every other command requires): the
  // review reads derived fields (grants, lifetimes), so a hand edit there must not pass unseen.
  return checkDerived(source.path, await loadUnchecked(source, cwd));
}

async function loadUnchecked(source: DiffSource, cwd: string): Promise<McpAuthPlan> {
  if (source.kind === "file") return loadPlan(source.path, cwd);
  checkRef(source.ref);
  const top = (
    await git(cwd, ["rev-parse", "--show-toplevel"]).catch(() => {
      throw new InputFileError(`${cwd} is not inside a git repository, so a <ref>:<path> side cannot be read; run diff in your repository's clone, or compare two files`);
    })
  ).trim();
  const rel = path.relative(top, path.resolve(cwd, source.path)).split(path.sep).join("/");
  if (rel.startsWith("..")) throw new Error(`${source.path} is outside the git repository ${top}`);
  const commit = (await git(top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${source.ref}^{commit}`]).catch(() => "")).trim();
  if (!commit) throw new Error(`unknown git revision '${source.ref}' (fetch it first, e.g. git fetch origin ${source.ref.replace(/^origin\//, "")})`);
  const exists = await git(top, ["cat-file", "-e", `${commit}:${rel}`]).then(
    () => true,
    () => false,
  );
  if (!exists) throw new Error(`${rel} does not exist at ${source.ref}`);
  if (rel.endsWith(".json")) return parsePlanJson(await git(top, ["show", `${commit}:${rel}`]));

  const tmp = await mkdtemp(path.join(os.tmpdir(), "mcp-auth-diff-"));
  try {
    const tree = path.join(tmp, "tree");
    const env = { GIT_INDEX_FILE: path.join(tmp, "index") };
    await git(top, ["read-tree", commit], env);
    await git(top, ["checkout-index", "--all", `--prefix=${tree}${path.sep}`], env);
    await linkNodeModules(top, tree, path.dirname(path.join(top, rel)));
    return await loadPlan(path.join(tree, rel), cwd);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Links each `node_modules` found from `dir` up to the root into the copy: inside the repository at
 * the same relative place, the first one above the repository at the copy's root.
 */
async function linkNodeModules(top: string, tree: string, dir: string): Promise<void> {
  let linkedAbove = false;
  for (let d = dir; ; d = path.dirname(d)) {
    const nm = path.join(d, "node_modules");
    const inside = d === top || d.startsWith(top + path.sep);
    if (existsSync(nm)) {
      const target = inside ? path.join(tree, path.relative(top, d), "node_modules") : path.join(tree, "node_modules");
      if ((inside || !linkedAbove) && !existsSync(target)) {
        await symlink(nm, target, "dir");
        if (!inside) linkedAbove = true;
      }
    }
    if (path.dirname(d) === d) break;
  }
}
