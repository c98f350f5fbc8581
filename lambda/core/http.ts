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
  /** `null`/`undefined` when the request has no body. */
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

/** A core answer: a `LiteResponse`, or the upstream's streaming `Response` in gateway mode. */
export type EdgeResponse = LiteResponse | Response;

/** The standard `Response` for a core answer. */
export function toResponse(r: EdgeResponse): Response {
  if (!(r instanceof LiteResponse)) return r;
  return new Response(r.body, { status: r.status, headers: r.headers });
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
