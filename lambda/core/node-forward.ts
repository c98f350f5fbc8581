import type * as Http from "node:http";
import type * as Https from "node:https";
import type { Forwarder, UpstreamReply } from "./forward.js";

/**
 * The upstream forwarder on `node:http` / `node:https` with keep-alive agents: no Fetch API
 * objects, no WHATWG streams, no per-request abort machinery beyond one listener when the adapter
 * passes a signal. The upstream body is handed back as the `IncomingMessage` itself, which the
 * adapters `pipe()` into their output (back-pressure from the client reaches the upstream socket).
 * The modules are loaded on the first forward, so a decision-only cold start never pays for them.
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

type Builtin = (id: string) => unknown;
const getBuiltin = (process as { getBuiltinModule?: Builtin }).getBuiltinModule;

/** Drops every field `node:http` must compute itself or that would break framing. */
const OWN = new Set(["host", "content-length", "transfer-encoding", "connection"]);

/** A `Forwarder` over node:http(s) with keep-alive agents (the default on Node). */
export function nodeForwarder(o: NodeForwarderOptions = {}): Forwarder {
  let mods: { http: typeof Http; https: typeof Https; agent: Http.Agent; tlsAgent: Https.Agent } | undefined;
  const load = () => {
    if (mods) return mods;
    if (!getBuiltin) throw new Error("nodeForwarder needs Node.js >= 20.16 (process.getBuiltinModule)");
    const http = getBuiltin("node:http") as typeof Http;
    const https = getBuiltin("node:https") as typeof Https;
    const opts = { keepAlive: true, maxSockets: o.maxSockets ?? 256, maxFreeSockets: o.maxFreeSockets ?? 256, timeout: o.idleTimeoutMs ?? 4000, scheduling: "lifo" as const };
    return (mods = { http, https, agent: new http.Agent(opts), tlsAgent: new https.Agent(opts) });
  };
  // Parsed upstream origins (a handful per edge), so a request costs no URL parse.
  const targets = new Map<string, { tls: boolean; hostname: string; port: string | number; base: string }>();
  const targetOf = (url: string) => {
    const q = url.indexOf("?");
    const key = q < 0 ? url : url.slice(0, q);
    let t = targets.get(key);
    if (!t) {
      const u = new URL(key);
      const tls = u.protocol === "https:";
      t = { tls, hostname: u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname, port: u.port || (tls ? 443 : 80), base: u.pathname };
      if (targets.size < 64) targets.set(key, t);
    }
    return { ...t, path: q < 0 ? t.base : `${t.base}${url.slice(q)}` };
  };
  return (c) =>
    new Promise<UpstreamReply>((resolve, reject) => {
      const m = load();
      const u = targetOf(c.url);
      const tls = u.tls;
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of c.headers) {
        if (OWN.has(k)) continue;
        const prev = headers[k];
        headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      if (c.body !== undefined) headers["content-length"] = String(Buffer.byteLength(c.body));
      const req = (tls ? m.https : m.http).request(
        {
          protocol: tls ? "https:" : "http:",
          hostname: u.hostname,
          port: u.port,
          path: u.path,
          method: c.method,
          headers,
          agent: tls ? m.tlsAgent : m.agent,
        },
        (res) => {
          const raw = res.rawHeaders;
          const pairs: Array<[string, string]> = [];
          for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
          const noBody = c.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
          if (noBody) res.resume();
          resolve({ status: res.statusCode ?? 502, headers: pairs, body: noBody ? null : res, decoded: false, cancel: () => res.destroy() });
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
