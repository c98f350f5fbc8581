import type { IncomingMessage } from "node:http";

/**
 * Reads a request body as UTF-8 text, refusing it as soon as it passes `maxBytes` (the dev stack's
 * servers never buffer an unbounded body). @throws Error "`what` too large".
 */
export async function readBodyText(req: IncomingMessage, maxBytes: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw new Error(`${what} too large`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
