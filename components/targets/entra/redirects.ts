import type { EntraClientSpec } from "./mapping.js";

/** The application platform a redirect URI is registered on. */
export type EntraRedirectPlatform = "publicClient" | "spa" | "web";

const PLATFORM_NAMES: Record<EntraRedirectPlatform, string> = {
  publicClient: "mobile/desktop (publicClient)",
  spa: "single-page application",
  web: "web",
};

/**
 * Why the azuread provider would refuse `uri` on `platform`, or undefined when it accepts it.
 * The provider validates every platform's redirect URIs before creating anything
 * (terraform-provider-azuread `IsRedirectUriFunc`): each needs a host (`com.example.app:/callback`
 * has none), and on the SPA and web platforms an http(s) URI with no path needs at least `/`
 * (`https://app.example.com` is refused, `https://app.example.com/` accepted). Entra then matches
 * the registered string exactly, so the declaration must carry the accepted form.
 */
export function entraRedirectUriProblem(uri: string, platform: EntraRedirectPlatform): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `'${uri}' is not an absolute URI`;
  }
  if (u.host === "") {
    return `'${uri}' has no host, which the ${PLATFORM_NAMES[platform]} platform requires; register the client with a URI of the form scheme://host/path`;
  }
  const noPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(?:[?#].*)?$/i.test(uri);
  if (platform !== "publicClient" && noPath) {
    const fixed = uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i, "$1/");
    return `'${uri}' has no path, which the ${PLATFORM_NAMES[platform]} platform requires; declare '${fixed}' (and have the client send exactly that)`;
  }
  return undefined;
}

/** Every redirect URI of the clients the component creates that the provider would refuse, as `<client key>: <problem>`. */
export function entraRedirectUriProblems(clients: readonly EntraClientSpec[]): string[] {
  return clients.flatMap((c) => [
    ...c.publicClientRedirectUris.map((u) => [u, "publicClient"] as const),
    ...c.spaRedirectUris.map((u) => [u, "spa"] as const),
    ...c.webRedirectUris.map((u) => [u, "web"] as const),
  ].flatMap(([u, p]) => {
    const problem = entraRedirectUriProblem(u, p);
    return problem ? [`${c.key}: ${problem}`] : [];
  }));
}
