/**
 * The gateway benchmark's load generator: N keep-alive connections on loopback, each with one
 * request in flight, for a bounded time. Raw `net` sockets and a minimal HTTP/1.1 response reader
 * (Content-Length and chunked bodies) so that the generator costs far less CPU per request than
 * the servers it measures. Not a benchmark itself.
 *
 * Two modes. Closed loop (the default): each connection sends its next request as soon as the
 * previous response has ended, so the load is as high as the server can take and latency at
 * saturation is mostly queueing, i.e. a function of throughput. Open loop (`rate`): requests are
 * scheduled at a fixed aggregate rate, spread evenly over the connections (each connection sends
 * every `connections / rate` seconds, the connections' phases staggered), and every latency is
 * measured from the request's *scheduled* send time, not from when it was actually written: a
 * request that waits behind a slow previous response on its connection counts that wait, so a
 * stall is not hidden by the generator backing off (no coordinated omission, as in wrk2).
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
  /** Open loop: requests sent later than scheduled because their connection was still busy. */
  late: number;
}

export interface LoadSpec {
  port: number;
  /** Request bytes, sent as they are for every request. */
  request: Buffer;
  connections: number;
  seconds: number;
  /** Record the time to the first `data:` body bytes (SSE responses). */
  sse?: boolean;
  /** Open loop: requests per second in all, on a fixed schedule; latencies from the scheduled send times. */
  rate?: number;
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
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const firstEvent: number[] = [];
  let errors = 0;
  let late = 0;
  // Every connection is open before the clock starts (the schedule does not count connecting).
  const socks = await Promise.all(
    Array.from({ length: spec.connections }, () =>
      new Promise<Socket | undefined>((resolve) => {
        const sock = connect({ port: spec.port, host: "127.0.0.1", noDelay: true });
        sock.once("connect", () => resolve(sock));
        sock.once("error", () => {
          errors++;
          resolve(undefined);
        });
      }),
    ),
  );
  const started = performance.now();
  const stopAt = started + spec.seconds * 1000;
  // Open loop: connection i sends at started + (i / connections + k) · interval, k = 0, 1, …
  const interval = spec.rate ? (spec.connections * 1000) / spec.rate : 0;
  const one = (sock: Socket | undefined, i: number) =>
    new Promise<void>((resolve) => {
      if (!sock) return resolve();
      const r = new Reader();
      let sentAt = 0;
      let k = 0;
      let firstSeen = false;
      const send = () => {
        // A timer may fire a little before `due` (node's timers run on the event loop's cached
        // millisecond clock): such a request counts from when it was sent, a late one from `due`.
        sentAt = Math.min(sentAt, performance.now());
        r.reset();
        firstSeen = false;
        sock.write(spec.request);
      };
      const next = () => {
        const now = performance.now();
        if (interval === 0) {
          if (now >= stopAt) {
            sock.end();
            return resolve();
          }
          sentAt = now;
          return send();
        }
        const due = started + (i / spec.connections + k++) * interval;
        if (due >= stopAt) {
          sock.end();
          return resolve();
        }
        // Latency counts from `due` whether the request goes out on time (a timer) or late (its
        // connection was still busy with the previous response).
        sentAt = due;
        if (due > now + 0.5) setTimeout(send, due - now);
        else {
          if (now - due > 1) late++;
          send();
        }
      };
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
      next();
    });
  await Promise.all(socks.map(one));
  return {
    requests: latencies.length,
    errors,
    late,
    seconds: (performance.now() - started) / 1000,
    latencies: Float64Array.from(latencies),
    firstEvent: Float64Array.from(firstEvent),
  };
}
