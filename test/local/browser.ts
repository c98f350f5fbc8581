/**
 * Test helpers: a tiny cookie-keeping "browser" that drives the local authorization server's
 * login, consent and step-up pages with plain fetch, and an in-memory OAuthClientProvider for the
 * official MCP SDK client.
 */
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

export interface PageChoices {
  /** Seeded user to sign in as. */
  user: string;
  /** Optional scopes to untick on the consent page. */
  decline?: string[];
  /** Step-up scopes to tick (default: all offered). */
  stepUp?: string[] | "all" | "skip";
  /** Username typed on the step-up page (default: `user`). */
  confirmAs?: string;
}

export interface PageVisit {
  kind: "login" | "consent" | "step-up";
  html: string;
}

function attr(html: string, re: RegExp): string[] {
  return [...html.matchAll(re)].map((m) => decode(m[1] ?? ""));
}

function decode(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/** A cookie jar plus manual redirects; stops when a redirect leaves for `stopAt`. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly visits: PageVisit[] = [];

  private store(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = (pair ?? "").indexOf("=");
      if (i > 0) this.cookies.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    this.store(res);
    return res;
  }

  /**
   * Opens an authorization URL and answers every page until the AS redirects to `redirectPrefix`;
   * returns that redirect URL (carrying `code`, `state`, `iss` or `error`).
   */
  async authorize(authorizationUrl: string, redirectPrefix: string, choices: PageChoices): Promise<URL> {
    let res = await this.request(authorizationUrl);
    let current = authorizationUrl;
    for (let hops = 0; hops < 30; hops++) {
      if (res.status >= 300 && res.status < 400) {
        const loc = new URL(res.headers.get("location") ?? "", current).href;
        if (loc.startsWith(redirectPrefix)) return new URL(loc);
        current = loc;
        res = await this.request(loc);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`authorization page ${current} answered ${res.status}: ${html.slice(0, 400)}`);
      const csrf = attr(html, /name="csrf" value="([^"]*)"/g)[0] ?? "";
      const actions = attr(html, /<form method="post" action="([^"]*)"/g);
      const form = new URLSearchParams({ csrf });
      let action: string | undefined;
      if (actions.some((a) => a.endsWith("/login"))) {
        this.visits.push({ kind: "login", html });
        action = actions.find((a) => a.endsWith("/login"));
        form.set("username", choices.user);
      } else if (actions.some((a) => a.endsWith("/consent"))) {
        this.visits.push({ kind: "consent", html });
        action = actions.find((a) => a.endsWith("/consent"));
        form.set("decision", "allow");
        for (const v of attr(html, /name="optional" value="([^"]*)"/g)) if (!choices.decline?.includes(v.split(" ")[1] ?? "")) form.append("optional", v);
      } else if (actions.some((a) => a.endsWith("/step-up"))) {
        this.visits.push({ kind: "step-up", html });
        action = actions.find((a) => a.endsWith("/step-up"));
        const want = choices.stepUp ?? "all";
        form.set("decision", want === "skip" ? "skip" : "allow");
        form.set("confirm_username", choices.confirmAs ?? choices.user);
        for (const v of attr(html, /name="scope" value="([^"]*)"/g)) if (want === "all" || (Array.isArray(want) && want.includes(v.split(" ")[1] ?? ""))) form.append("scope", v);
      } else {
        throw new Error(`unexpected page at ${current}: ${html.slice(0, 400)}`);
      }
      current = new URL(action ?? "", current).href;
      res = await this.request(current, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
    }
    throw new Error("too many redirects during authorization");
  }
}

/** An in-memory OAuthClientProvider; `redirectToAuthorization` only records the URL. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  savedTokens?: OAuthTokens;
  verifier = "";
  lastAuthorizationUrl?: URL;
  private discovery?: unknown;

  constructor(
    readonly redirectUrl: string,
    readonly clientMetadata: OAuthClientMetadata,
    preRegistered?: OAuthClientInformationMixed,
  ) {
    if (preRegistered) this.client = preRegistered;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.lastAuthorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery") {
    if (scope === "all" || scope === "tokens") delete this.savedTokens;
    if (scope === "all" || scope === "client") delete this.client;
  }
  saveDiscoveryState(state: unknown) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery as never;
  }
}

/** Decodes a JWT payload without verifying (tests inspect claims the edge already verified). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}
