import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { compile } from "../components/plan/compile.js";
import { McpAuthPlanSchema, type McpAuthPlan } from "../components/plan/schema.js";
import { DeclarationError, formatPath } from "../components/model/validate.js";
import { InputFileError } from "./io.js";

/** The conventional declaration file when none is given. */
export const DEFAULT_DECLARATION_FILE = "mcp-auth.ts";

/**
 * Checks that `file` names a readable regular file before anything tries to import it, so that the
 * user reads what is wrong in one line instead of a module loader's stack of paths.
 * @throws InputFileError for a missing path or a directory
 */
export async function requireFile(file: string, cwd: string): Promise<string> {
  const abs = path.resolve(cwd, file);
  const info = await stat(abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") throw new InputFileError(`no such file (looked for ${abs}); give the path of your declaration file or plan JSON`);
    throw new InputFileError(`cannot read it (${err.code ?? err.message})`);
  });
  if (info.isDirectory()) {
    const hint = existsSync(path.join(abs, DEFAULT_DECLARATION_FILE)) ? `; did you mean ${path.join(file, DEFAULT_DECLARATION_FILE)}?` : "; give the declaration file inside it (e.g. mcp-auth.ts)";
    throw new InputFileError(`is a directory, not a declaration file${hint}`);
  }
  return abs;
}

/**
 * The default export of a loaded module. tsx compiles a `.ts` file of a CommonJS package to
 * CommonJS, so the namespace's `default` is then `module.exports` (marked `__esModule`) and the
 * declaration is its `default`; an ES module's namespace has it directly.
 */
function defaultExport(mod: { default?: unknown }): unknown {
  const d = mod.default;
  if (d !== null && typeof d === "object" && Object.prototype.hasOwnProperty.call(d, "__esModule") && (d as { __esModule?: unknown }).__esModule === true) {
    return (d as { default?: unknown }).default;
  }
  return d;
}

/**
 * Loads a declaration module (TypeScript or JavaScript) and returns its default export, unvalidated.
 * TypeScript is loaded directly (tsx), so users need no build step.
 * @throws InputFileError naming what is wrong when the file is missing, a directory, fails to load
 * or has no default export
 */
export async function loadDeclarationFile(file: string, cwd: string): Promise<unknown> {
  const abs = await requireFile(file, cwd);
  let mod: { default?: unknown };
  try {
    mod = /\.[cm]?ts$/.test(abs) ? ((await tsImport(pathToFileURL(abs).href, import.meta.url)) as { default?: unknown }) : ((await import(pathToFileURL(abs).href)) as { default?: unknown });
  } catch (err) {
    // Only the first line: module loaders append stacks of paths.
    const first = ((err as Error).message ?? String(err)).split("\n")[0]!.trim();
    throw new InputFileError(`cannot be loaded: ${first}`);
  }
  const decl = defaultExport(mod);
  if (decl === undefined) throw new InputFileError("has no default export; end it with export default defineMcpAuth({ … })");
  if (decl === null || typeof decl !== "object" || Array.isArray(decl)) {
    throw new InputFileError(`its default export is ${decl === null ? "null" : Array.isArray(decl) ? "an array" : `a ${typeof decl}`}, not a declaration; export default defineMcpAuth({ … })`);
  }
  return decl;
}

/**
 * Loads a plan from a plan JSON file (as written by `pulumi-mcp-auth plan`) or compiles one from a
 * declaration file. A plan JSON is validated against the plan schema.
 * @throws DeclarationError when the declaration or the plan JSON is invalid.
 */
export async function loadPlan(file: string, cwd: string): Promise<McpAuthPlan> {
  if (file.endsWith(".json")) return parsePlanJson(await readFile(await requireFile(file, cwd), "utf8"));
  return compile(await loadDeclarationFile(file, cwd));
}

/**
 * Parses and validates plan JSON text. The messages do not name the file: the command prints
 * `<file>: <message>`. @throws DeclarationError with paths.
 */
export function parsePlanJson(text: string): McpAuthPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DeclarationError([{ path: "", message: `is not valid JSON: ${(err as Error).message}` }]);
  }
  const r = McpAuthPlanSchema.safeParse(data);
  if (!r.success) throw new DeclarationError(r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  return r.data;
}
