import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * The package as npm publishes it: `npm pack` of this repository (its `prepack` script builds
 * dist/), and installs from the tarball, shared by the tests that check what a platform team gets.
 */
export const run = promisify(execFile);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Install flags: the registry (or npm's cache) serves the package's own dependencies. */
export const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

export interface Packed {
  /** Absolute path of the tarball. */
  tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them. */
  files: string[];
}

/** Runs `npm pack` into `destination` and returns the tarball and the files it ships. */
export async function npmPack(destination: string): Promise<Packed> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", destination, "--loglevel=error"], { cwd: ROOT, maxBuffer: 64 << 20 });
  // npm prints prepack's output before the JSON array.
  const json = JSON.parse(stdout.slice(stdout.indexOf("\n[") + 1 || stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(destination, json[0]!.filename), files: json[0]!.files.map((f) => f.path) };
}

/** `npm install <tarball>` into the project at `cwd`. */
export async function installTarball(tarball: string, cwd: string): Promise<void> {
  await run("npm", ["install", tarball, ...NPM_FLAGS], { cwd, maxBuffer: 64 << 20 });
}
