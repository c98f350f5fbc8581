/**
 * Starts the gateway benchmark's server roles (bench/gateway-servers.ts) as the code ships: bundled
 * once with esbuild into plain JavaScript (dependencies left to node_modules) and run by node itself.
 * Through tsx every closure would carry its keep-names wrapper (one `Object.defineProperty` per
 * closure created, i.e. per request on a hot path), which the package (compiled by tsc) and the
 * Lambda bundles do not have. The bundle goes to bench/.build/ (git-ignored).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

let built: Promise<string> | undefined;

/** The bundled servers module (built on first use). */
export function serversModule(): Promise<string> {
  return (built ??= (async () => {
    const outfile = fileURLToPath(new URL("./.build/gateway-servers.mjs", import.meta.url));
    await build({
      entryPoints: [fileURLToPath(new URL("./gateway-servers.ts", import.meta.url))],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node22",
      packages: "external",
      logLevel: "error",
    });
    return outfile;
  })());
}

/** Forks one role (`upstream`, `proxy`, `edge`, `edge-es256`), resolves with its port (and token). */
export async function startRole(role: string, args: string[] = [], execArgv: string[] = [], file?: string): Promise<{ child: ChildProcess; port: number; token?: string }> {
  const child = fork(file ?? (await serversModule()), [role, ...args], { execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ child, ...(m as { port: number; token?: string }) }));
    child.once("exit", (c) => reject(new Error(`${role} exited with ${c}`)));
  });
}
