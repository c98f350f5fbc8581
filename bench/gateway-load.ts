/**
 * The gateway benchmark's load generator: N keep-alive connections on loopback, each with one
 * request in flight, for a bounded time. Raw `net` sockets and a minimal HTTP/1.1 response reader
 * (Content-Length and chunked bodies) so that the generator costs far less CPU per request than
 * the servers it measures. Not a benchmark itself.
 */
import { connect, type Socket } from "node:net";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Latencies of completed requests, ms. */
  latencies: Float64Array;
  /** Time from sending a request to the first body byte holding `data:` (SSE), ms. */
  firstEvent: Float64Array;
}

export interface LoadSpec {
  port: number;
  /** Request bytes, sent as they are for every request. */
  request: Buffer;
  connections: number;
  seconds: number;
  /** Record the time to the first `data:` body bytes (SSE responses). */
  sse?: boolean;
}

/** Builds a keep-alive POST with a JSON body. */
export function postRequest(path: string, headers: Record<string, string>, body: string): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, "host: 127.0.0.1", "connection: keep-alive", "content-type: application/json", `content-length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** Percentile (nearest rank) of `xs`, ms. */
export function percentile(xs: Float64Array, p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** One connection's response reader: returns true when a whole response has been read. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private remaining = 0;
  private chunked = false;
  status = 0;
  sawData = false;
  reset(): void {
    this.headerDone = false;
    this.remaining = 0;
    this.chunked = false;
    this.status = 0;
    this.sawData = false;
  }
  /** Feeds bytes; returns the number of complete responses (0 or 1; one request in flight). */
  feed(chunk: Buffer): boolean {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.headerDone) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return false;
      const head = this.buf.subarray(0, end).toString("latin1");
      this.status = Number(head.slice(9, 12));
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      this.remaining = cl ? Number(cl[1]) : 0;
      this.headerDone = true;
      this.buf = this.buf.subarray(end + 4);
    }
    if (!this.sawData && this.buf.includes("data:")) this.sawData = true;
    if (this.chunked) {
      // Walk complete chunks; the body ends with a zero-size chunk.
      for (;;) {
        const nl = this.buf.indexOf("\r\n");
        if (nl < 0) return false;
        const size = Number.parseInt(this.buf.subarray(0, nl).toString("latin1"), 16);
        if (size === 0) {
          if (this.buf.length < nl + 4) return false;
          this.buf = this.buf.subarray(nl + 4);
          return true;
        }
        if (this.buf.length < nl + 2 + size + 2) return false;
        this.buf = this.buf.subarray(nl + 2 + size + 2);
      }
    }
    if (this.buf.length < this.remaining) return false;
    this.buf = this.buf.subarray(this.remaining);
    return true;
  }
}

/** Runs the load and resolves when every connection has finished its last request. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const firstEvent: number[] = [];
  let errors = 0;
  const started = performance.now();
  const stopAt = started + spec.seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const r = new Reader();
      let sentAt = 0;
      let firstSeen = false;
      const sock: Socket = connect({ port: spec.port, host: "127.0.0.1", noDelay: true });
      const next = () => {
        if (performance.now() >= stopAt) {
          sock.end();
          return resolve();
        }
        r.reset();
        firstSeen = false;
        sentAt = performance.now();
        sock.write(spec.request);
      };
      sock.on("connect", next);
      sock.on("data", (chunk: Buffer) => {
        const done = r.feed(chunk);
        if (spec.sse && !firstSeen && r.sawData) {
          firstSeen = true;
          firstEvent.push(performance.now() - sentAt);
        }
        if (!done) return;
        latencies.push(performance.now() - sentAt);
        if (r.status < 200 || r.status >= 300) errors++;
        next();
      });
      sock.on("error", () => {
        errors++;
        resolve();
      });
    });
  return Promise.all(Array.from({ length: spec.connections }, one)).then(() => ({
    requests: latencies.length,
    errors,
    seconds: (performance.now() - started) / 1000,
    latencies: Float64Array.from(latencies),
    firstEvent: Float64Array.from(firstEvent),
  }));
}
