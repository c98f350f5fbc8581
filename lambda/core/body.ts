import type { EdgeRequest } from "./http.js";

/**
 * Reads a request body with a hard byte bound, whatever the adapter hands the core: a string or
 * bytes (AWS events, already in memory), a WHATWG `ReadableStream` (a standard `Request`), or an
 * async-iterable node stream (`IncomingMessage`). Bytes are counted as they arrive and reading
 * stops at the first chunk past the bound, so neither a missing nor a false `Content-Length`
 * (chunked transfer coding, RFC 9112 §6.1) makes the edge buffer more than `max` bytes plus one
 * chunk. A declared `Content-Length` above the bound is refused before reading anything.
 */

/** The body was larger than the bound (answer 413, RFC 9110 §15.5.14). */
export const TOO_LARGE = Symbol("too_large");

const decoder = new TextDecoder();

/** Joins chunks and decodes UTF-8 (malformed sequences become U+FFFD, as `Request.text()` does). */
function decode(chunks: Uint8Array[]): string {
  return decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

/** The slice of a node `Readable` (e.g. `IncomingMessage`) read by events: no async-iterator promises per chunk. */
interface NodeStreamLike {
  on(event: string, fn: (arg?: unknown) => void): unknown;
  removeListener(event: string, fn: (arg?: unknown) => void): unknown;
  pause(): unknown;
  readableEnded?: boolean;
}
function isNodeStream(b: unknown): b is NodeStreamLike {
  const s = b as NodeStreamLike;
  return typeof s.on === "function" && typeof s.pause === "function" && typeof s.removeListener === "function";
}

/**
 * Reads a node stream by `data` events, counting bytes; past `max` it pauses the stream and stops
 * listening (the adapter answers 413 and closes the connection without taking in the rest).
 */
function readNodeStream(s: NodeStreamLike, max: number): Promise<string | typeof TOO_LARGE> {
  if (s.readableEnded) return Promise.resolve("");
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const off = () => {
      s.removeListener("data", onData);
      s.removeListener("end", onEnd);
      s.removeListener("error", onError);
      s.removeListener("close", onError);
    };
    const onData = (c: unknown) => {
      const chunk = typeof c === "string" ? Buffer.from(c) : (c as Uint8Array);
      total += chunk.byteLength;
      if (total > max) {
        off();
        s.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      off();
      resolve(decode(chunks));
    };
    const onError = (e: unknown) => {
      off();
      reject(e instanceof Error ? e : new Error("request body stream failed"));
    };
    s.on("data", onData);
    s.on("end", onEnd);
    s.on("error", onError);
    // Closed before `end`: the client went away mid-body.
    s.on("close", onError);
  });
}

/**
 * The body as text, `undefined` when the request has none (GET, HEAD, DELETE or no body), or
 * `TOO_LARGE`. A stream that is cut off is left unread so the adapter can answer 413 and close the
 * connection without taking in the rest.
 */
export async function readBoundedBody(req: EdgeRequest, max: number): Promise<string | undefined | typeof TOO_LARGE> {
  const m = req.method;
  const b = req.body;
  if (m === "GET" || m === "HEAD" || m === "DELETE" || b === null || b === undefined) return undefined;
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > max) return TOO_LARGE;
  if (typeof b === "string") return Buffer.byteLength(b) > max ? TOO_LARGE : b;
  if (b instanceof Uint8Array) return b.byteLength > max ? TOO_LARGE : decoder.decode(b);
  if (isNodeStream(b)) return readNodeStream(b, max);
  // A WHATWG ReadableStream (Node ≥ 18) is async-iterable.
  const it = typeof (b as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function" ? (b as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]() : undefined;
  if (it) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await it.next();
      if (done) return decode(chunks);
      const chunk = typeof value === "string" ? Buffer.from(value) : value;
      total += chunk.byteLength;
      if (total > max) {
        // A web stream is cancelled. A node stream is left paused rather than destroyed (`return()`
        // would destroy its socket before the adapter could answer 413).
        if (typeof (b as ReadableStream).getReader === "function") void it.return?.().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(chunk);
    }
  }
  const text = await req.text();
  return Buffer.byteLength(text) > max ? TOO_LARGE : text;
}
