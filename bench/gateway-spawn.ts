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

const built = new Map<string, Promise<string>>();
const here = fileURLToPath(new URL("./gateway-servers.ts", import.meta.url));

/**
 * The bundled servers module (built on first use): this tree's, or another tree's
 * `bench/gateway-servers.ts` (`source`, e.g. a checkout of the base branch for an A/B).
 */
export function serversModule(source: string = here): Promise<string> {
  let b = built.get(source);
  if (!b) built.set(source, (b = bundle(source)));
  return b;
}

async function bundle(source: string): Promise<string> {
  {
    const name = source === here ? "gateway-servers" : `gateway-servers-${built.size}`;
    const outfile = fileURLToPath(new URL(`./.build/${name}.mjs`, import.meta.url));
    await build({
      entryPoints: [source],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node22",
      packages: "external",
      logLevel: "error",
    });
    return outfile;
  }
}

/**
 * Forks one role (`upstream`, `proxy`, `edge`, `edge-es256`), resolves with its port (and token).
 * `file`: another servers source, bundled like this tree's (`bundled`, the default) or run as is.
 */
export async function startRole(role: string, args: string[] = [], execArgv: string[] = [], file?: string, bundled = true): Promise<{ child: ChildProcess; port: number; token?: string }> {
  const module = file === undefined ? await serversModule() : bundled ? await serversModule(file) : file;
  const child = fork(module, [role, ...args], { execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ child, ...(m as { port: number; token?: string }) }));
    child.once("exit", (c) => reject(new Error(`${role} exited with ${c}`)));
  });
}

/**
 * Sends `q` to a serving child (bench/gateway-servers.ts) and resolves with its first answer that
 * has a `key` member (the whole message: some answers carry more than that member).
 */
export function askChild<T extends object>(child: ChildProcess, q: string | object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === "object" && m !== null && key in m) {
        child.off("message", on);
        resolve(m as T);
      }
    };
    child.on("message", on);
    child.send(q);
  });
}
