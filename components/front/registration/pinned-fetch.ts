import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { addressProblem, isLoopbackAddress } from "./address-policy.js";
import { isLoopbackUrl } from "./redirect-uris.js";

/**
 * One GET of a document a client names, hardened against server-side request forgery: https only
 * (http on loopback only when `allowLoopback`), every resolved address checked and the
 * connection pinned to the checked address (no second DNS answer can swap in an internal one),
 * no redirects, a byte limit while streaming and one deadline for DNS, connect and body.
 */

export interface PinnedFetchOptions {
  allowLoopback: boolean;
  maxBytes: number;
  timeoutMs: number;
  /** Resolves a host name to addresses (tests); default: the system resolver, every address. */
  lookup?: (host: string) => Promise<string[]>;
}

export interface FetchedDocument {
  status: number;
  contentType: string;
  cacheControl: string;
  body: Buffer;
}

export class FetchRefused extends Error {}

async function systemLookup(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FetchRefused(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The one address to connect to, after every address the host resolves to passed the policy. */
async function checkedAddress(url: URL, options: PinnedFetchOptions): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : await (options.lookup ?? systemLookup)(host);
  if (addresses.length === 0) throw new FetchRefused(`${url.hostname} does not resolve`);
  for (const address of addresses) {
    if (options.allowLoopback && isLoopbackAddress(address)) continue;
    const problem = addressProblem(address);
    if (problem) throw new FetchRefused(`${url.hostname} resolves to ${problem}`);
  }
  return addresses[0] as string;
}

export async function pinnedFetch(url: URL, options: PinnedFetchOptions): Promise<FetchedDocument> {
  const started = Date.now();
  if (url.protocol !== "https:" && !(options.allowLoopback && url.protocol === "http:" && isLoopbackUrl(url))) {
    throw new FetchRefused(`${url.href} must use https`);
  }
  const address = await withDeadline(checkedAddress(url, options), options.timeoutMs, "resolving the host");
  const family = isIP(address);
  const pinned: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
  return new Promise<FetchedDocument>((resolve, reject) => {
    const requestFn = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = requestFn(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { accept: "application/json", "user-agent": "pulumi-mcp-auth-front" },
        lookup: pinned,
        agent: false,
        ...(url.protocol === "https:" && !isIP(url.hostname.replace(/^\[|\]$/g, "")) ? { servername: url.hostname } : {}),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          req.destroy();
          reject(new FetchRefused(`${url.href} answered ${status} (a redirect); redirects are not followed`));
          return;
        }
        const declared = Number(res.headers["content-length"] ?? "NaN");
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          req.destroy();
          reject(new FetchRefused(`${url.href} is ${declared} bytes; the limit is ${options.maxBytes}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            req.destroy();
            reject(new FetchRefused(`${url.href} is larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () =>
          resolve({
            status,
            contentType: String(res.headers["content-type"] ?? ""),
            cacheControl: String(res.headers["cache-control"] ?? ""),
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new FetchRefused(`${url.href} did not answer within ${options.timeoutMs} ms`));
    }, remaining);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (err) => reject(err instanceof FetchRefused ? err : new FetchRefused(`${url.href} could not be fetched: ${err.message}`)));
    req.end();
  });
}
