import fs, { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf } from "../../support/pulumi-mocks.js";

/**
 * Writes a component's deployment archive to a directory exactly as Lambda would unpack it
 * (`index.cjs` + `edge-config.json`), so a test can import the deployed artifact in-process.
 */
export async function unpackArchive(archive: pulumi.Output<pulumi.asset.AssetArchive>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-edge-artifact-"));
  const assets = await (await promiseOf(archive, 60_000)).assets;
  for (const [name, asset] of Object.entries(assets)) {
    if (asset instanceof pulumi.asset.FileAsset) copyFileSync((await asset.path) as string, join(dir, name));
    else if (asset instanceof pulumi.asset.StringAsset) writeFileSync(join(dir, name), (await asset.text) as string);
    else throw new Error(`unexpected asset kind for ${name}`);
  }
  return dir;
}

/** A loopback MCP upstream that records what the edge forwarded. */
export interface Upstream {
  url: string;
  received: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const received: Upstream["received"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const id = (() => {
        try {
          return (JSON.parse(body) as { id?: unknown }).id ?? null;
        } catch {
          return null;
        }
      })();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "3 customers" }] } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Captures what the bundle writes to stdout (its audit records) while `fn` runs: both
 * `process.stdout.write` and synchronous `fs.writeSync(1, …)`, which the edge uses so nothing is
 * left buffered when Lambda freezes the process.
 */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const text = (chunk: unknown) => (typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
  const originalWrite = process.stdout.write;
  const originalWriteSync = fs.writeSync;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...text(chunk).split("\n").filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (originalWriteSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const t = text(data);
    lines.push(...t.split("\n").filter(Boolean));
    return Buffer.byteLength(t);
  }) as typeof fs.writeSync;
  try {
    return { result: await fn(), lines };
  } finally {
    process.stdout.write = originalWrite;
    fs.writeSync = originalWriteSync;
  }
}
