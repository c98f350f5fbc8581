/**
 * The slice of the Fetch API the core uses. A standard `Request` satisfies `EdgeRequest`, and the
 * core answers with `LiteResponse` (turned into a standard `Response` by `toResponse`) so that a
 * decision never loads the runtime's Fetch implementation: on Node 20 touching `Request`,
 * `Response` or `Headers` loads undici, which costs more than the whole edge cold start budget.
 */

/** What the core reads from a request; a standard `Request` is one. */
export interface EdgeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null; forEach(cb: (value: string, key: string) => void): void };
  /**
   * `null`/`undefined` when the request has no body; otherwise a string, bytes, a `ByteStream`, or
   * anything `text()` reads. The core reads a stream itself, counting bytes (`MAX_BODY_BYTES`).
   */
  readonly body?: unknown;
  text(): Promise<string>;
  readonly signal?: AbortSignal;
}

/** A response built by the core: status, lowercase headers, and a text body (or none). */
export class LiteResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: string | null,
  ) {}
}

/**
 * A readable byte stream as the core sees it: a WHATWG `ReadableStream` (Fetch API) or anything
 * async-iterable over byte chunks (a node `Readable`, e.g. `IncomingMessage`).
 */
export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * The upstream's answer in gateway mode when the forwarder is not the Fetch API (node:http):
 * status, headers as pairs (repeated names kept, e.g. `set-cookie`), and the body as the upstream
 * delivers it. Adapters pipe `body` straight into their output (`pipe` when it is a node stream,
 * which respects back-pressure) and call `cancel` when their client goes away.
 */
export class StreamResponse {
  constructor(
    readonly status: number,
    readonly headers: ReadonlyArray<readonly [string, string]>,
    readonly body: AsyncIterable<Uint8Array> & { pipe?: unknown },
    readonly cancel: () => void,
  ) {}
}

/** A core answer: a `LiteResponse`, or the upstream's streaming answer in gateway mode. */
export type EdgeResponse = LiteResponse | Response | StreamResponse;

/** Headers of a core answer as pairs (repeated names kept). */
export function headerPairsOf(r: EdgeResponse): Array<[string, string]> {
  if (r instanceof LiteResponse) return Object.entries(r.headers);
  if (r instanceof StreamResponse) return r.headers.map(([k, v]) => [k, v]);
  const out: Array<[string, string]> = [];
  r.headers.forEach((v, k) => {
    if (k !== "set-cookie") out.push([k, v]);
  });
  for (const c of r.headers.getSetCookie()) out.push(["set-cookie", c]);
  return out;
}

/** The standard `Response` for a core answer. */
export function toResponse(r: EdgeResponse): Response {
  if (r instanceof LiteResponse) return new Response(r.body, { status: r.status, headers: r.headers });
  if (!(r instanceof StreamResponse)) return r;
  const headers = new Headers();
  for (const [k, v] of r.headers) headers.append(k, v);
  if (r.body instanceof ReadableStream) return new Response(r.body, { status: r.status, headers });
  const it = r.body[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      const { done, value } = await it.next();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel() {
      r.cancel();
    },
  });
  return new Response(r.status === 204 || r.status === 304 ? null : body, { status: r.status, headers });
}

/** Case-insensitive header map over plain key/value pairs (repeated names joined with ", "). */
export class LiteHeaders {
  private readonly map = new Map<string, string>();
  constructor(pairs: Iterable<readonly [string, string]> = []) {
    for (const [k, v] of pairs) this.append(k, v);
  }
  append(name: string, value: string): void {
    const k = name.toLowerCase();
    const prev = this.map.get(k);
    this.map.set(k, prev === undefined ? value : `${prev}, ${value}`);
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  forEach(cb: (value: string, key: string) => void): void {
    this.map.forEach((v, k) => cb(v, k));
  }
}

/** A request from plain parts (adapters that receive events rather than `Request` objects). */
export class LiteRequest implements EdgeRequest {
  readonly headers: LiteHeaders;
  readonly body: string | null;
  constructor(
    readonly method: string,
    readonly url: string,
    headers: Iterable<readonly [string, string]>,
    body: string | null,
    readonly signal?: AbortSignal,
  ) {
    this.headers = new LiteHeaders(headers);
    this.body = body;
  }
  text(): Promise<string> {
    return Promise.resolve(this.body ?? "");
  }
}
