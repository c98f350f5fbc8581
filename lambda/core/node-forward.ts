import type * as Http from "node:http";
import type * as Https from "node:https";
import type { Forwarder, UpstreamReply } from "./forward.js";
import { getBuiltin } from "./node.js";

/**
 * The upstream forwarder on `node:http` / `node:https` with keep-alive agents: no Fetch API
 * objects, no WHATWG streams, no per-request abort machinery beyond one listener when the adapter
 * passes a signal. The upstream body is handed back as the `IncomingMessage` itself, which the
 * adapters pass into their output (the Lambda stream by `pipe()`, node:http chunk by chunk or in one
 * `end()` when it has arrived whole; back-pressure from the client reaches the upstream socket).
 * The modules are loaded on the first forward, so a decision-only cold start never pays for them.
 *
 * Request headers go to `http.request` as one flat raw array (`[name, value, name, value, …]`,
 * the shape of `rawHeaders`), which node validates and serialises as they are, instead of one
 * `setHeader` call (and its map of lowercase names) per field; `Host` is therefore set here, as
 * node would set it (brackets around an IPv6 literal, the port unless it is the scheme's default).
 */

/** Options of `nodeForwarder`. */
export interface NodeForwarderOptions {
  /** Most sockets per upstream origin. Default 256. */
  maxSockets?: number;
  /** Idle keep-alive sockets kept per upstream origin. Default 256. */
  maxFreeSockets?: number;
  /** Idle keep-alive socket lifetime, ms. Default 4000 (below Node's default 5 s server keep-alive, so the edge never reuses a socket the upstream is closing). */
  idleTimeoutMs?: number;
}


/** Drops every field `node:http` must compute itself or that would break framing. */
const OWN = new Set(["host", "content-length", "transfer-encoding", "connection"]);

/** A parsed upstream origin + path (a handful per edge). */
interface Target {
  tls: boolean;
  hostname: string;
  port: number;
  /** The `Host` field node would send for this origin. */
  host: string;
  base: string;
}

/** `Host` as node:http computes it for `hostname` / `port` (RFC 9110 §7.2). */
export function hostHeaderOf(hostname: string, port: number, tls: boolean): string {
  const h = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  return port === (tls ? 443 : 80) ? h : `${h}:${port}`;
}

/** A `Forwarder` over node:http(s) with keep-alive agents (the default on Node). */
export function nodeForwarder(o: NodeForwarderOptions = {}): Forwarder {
  let mods: { http: typeof Http; https: typeof Https; agent: Http.Agent; tlsAgent: Https.Agent } | undefined;
  const load = () => {
    if (mods) return mods;
    const http = getBuiltin("node:http") as typeof Http;
    const https = getBuiltin("node:https") as typeof Https;
    const opts = { keepAlive: true, maxSockets: o.maxSockets ?? 256, maxFreeSockets: o.maxFreeSockets ?? 256, timeout: o.idleTimeoutMs ?? 4000, scheduling: "lifo" as const };
    return (mods = { http, https, agent: new http.Agent(opts), tlsAgent: new https.Agent(opts) });
  };
  // Parsed upstream origins (a handful per edge), so a request costs no URL parse.
  const targets = new Map<string, Target>();
  const targetOf = (key: string): Target => {
    let t = targets.get(key);
    if (!t) {
      const u = new URL(key);
      const tls = u.protocol === "https:";
      const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
      const port = u.port ? Number(u.port) : tls ? 443 : 80;
      t = { tls, hostname, port, host: hostHeaderOf(hostname, port, tls), base: u.pathname };
      if (targets.size < 64) targets.set(key, t);
    }
    return t;
  };
  return (c) =>
    new Promise<UpstreamReply>((resolve, reject) => {
      const m = load();
      const url = c.url;
      const q = url.indexOf("?");
      const t = targetOf(q < 0 ? url : url.slice(0, q));
      const tls = t.tls;
      const headers: string[] = ["host", t.host];
      const pairs = c.headers;
      for (let i = 0; i < pairs.length; i++) {
        const p = pairs[i]!;
        if (!OWN.has(p[0])) headers.push(p[0], p[1]);
      }
      if (c.body !== undefined) headers.push("content-length", String(Buffer.byteLength(c.body)));
      const req = (tls ? m.https : m.http).request(
        {
          protocol: tls ? "https:" : "http:",
          hostname: t.hostname,
          port: t.port,
          path: q < 0 ? t.base : `${t.base}${url.slice(q)}`,
          method: c.method,
          // A flat raw array (see above); node's typings only describe the object form.
          headers: headers as unknown as Http.OutgoingHttpHeaders,
          agent: tls ? m.tlsAgent : m.agent,
        },
        (res) => {
          const raw = res.rawHeaders;
          const out: Array<[string, string]> = [];
          for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
          const noBody = c.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
          if (noBody) res.resume();
          resolve({ status: res.statusCode ?? 502, headers: out, body: noBody ? null : res, decoded: false, cancel: () => res.destroy() });
        },
      );
      req.on("error", reject);
      const signal = c.signal;
      if (signal) {
        if (signal.aborted) {
          req.destroy(new Error("client went away"));
          return;
        }
        signal.addEventListener("abort", () => req.destroy(new Error("client went away")), { once: true });
      }
      req.end(c.body);
    });
}
