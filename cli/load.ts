import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { compile } from "../components/plan/compile.js";
import { McpAuthPlanSchema, type McpAuthPlan } from "../components/plan/schema.js";
import { DeclarationError, formatPath } from "../components/model/validate.js";

/** The conventional declaration file when none is given. */
export const DEFAULT_DECLARATION_FILE = "mcp-auth.ts";

/**
 * Loads a declaration module (TypeScript or JavaScript) and returns its default export, unvalidated.
 * TypeScript is loaded directly (tsx), so users need no build step.
 * @throws Error naming the file when it cannot be read or has no default export.
 */
export async function loadDeclarationFile(file: string, cwd: string): Promise<unknown> {
  const abs = path.resolve(cwd, file);
  let mod: { default?: unknown };
  try {
    mod = /\.[cm]?ts$/.test(abs) ? ((await tsImport(pathToFileURL(abs).href, import.meta.url)) as { default?: unknown }) : ((await import(pathToFileURL(abs).href)) as { default?: unknown });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && !(err as Error).message.includes(abs)) throw err;
    throw new Error(`Cannot load declaration file ${file}: ${(err as Error).message}`);
  }
  // tsx may wrap a CommonJS-style default twice.
  let decl = mod.default;
  if (decl && typeof decl === "object" && "default" in decl && Object.keys(decl).length === 1) decl = (decl as { default: unknown }).default;
  if (decl === undefined) throw new Error(`${file} has no default export; export default defineMcpAuth({ … })`);
  return decl;
}

/**
 * Loads a plan from a plan JSON file (as written by `pulumi-mcp-auth plan`) or compiles one from a
 * declaration file. A plan JSON is validated against the plan schema.
 * @throws DeclarationError when the declaration or the plan JSON is invalid.
 */
export async function loadPlan(file: string, cwd: string): Promise<McpAuthPlan> {
  if (file.endsWith(".json")) return parsePlanJson(await readFile(path.resolve(cwd, file), "utf8"), file);
  return compile(await loadDeclarationFile(file, cwd));
}

/** Parses and validates plan JSON text. @throws DeclarationError with paths. */
export function parsePlanJson(text: string, source = "plan"): McpAuthPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DeclarationError([{ path: "", message: `${source} is not valid JSON: ${(err as Error).message}` }]);
  }
  const r = McpAuthPlanSchema.safeParse(data);
  if (!r.success) throw new DeclarationError(r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  return r.data;
}
