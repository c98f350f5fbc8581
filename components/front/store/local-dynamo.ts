import type { Server } from "node:http";
import { createRequire } from "node:module";

/**
 * A DynamoDB-compatible server (dynalite, LevelDB in memory) inside this process on 127.0.0.1, for
 * `npm start` and the tests: the front's DynamoDB store runs unchanged against it, with nothing to
 * install or start beside the test run.
 */

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`; pass it as the DynamoDB client's `endpoint`. */
  endpoint: string;
  close(): Promise<void>;
}

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/**
 * Starts dynalite on 127.0.0.1 (an ephemeral port unless `port` is given). dynalite is a
 * development dependency: it is loaded only when this function runs.
 */
export async function startLocalDynamo(options: { port?: number } = {}): Promise<LocalDynamo> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`startLocalDynamo: port must be an integer between 0 and 65535, got ${String(options.port)}`);
  let dynalite: DynaliteFactory;
  try {
    dynalite = createRequire(import.meta.url)("dynalite") as DynaliteFactory;
  } catch {
    throw new Error("startLocalDynamo needs the 'dynalite' package (a development dependency): npm install --save-dev dynalite");
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("startLocalDynamo: dynalite did not report a TCP address");
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      });
      return closed;
    },
  };
}

/** Client settings for a local endpoint: fixed dummy credentials and region, no retries wasted. */
export function localDynamoClientConfig(endpoint: string): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number } {
  return { endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 2 };
}
