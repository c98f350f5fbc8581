/** Fields a REST API (payload 1.0) proxy event and a REQUEST authorizer event share. */
export interface V1RequestFields {
  path: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  requestContext: { domainName?: string | undefined };
}

/**
 * The client's headers and URL from a REST API event (multi-value forms preferred: they keep
 * repeated headers and parameters). The path is the resource path without the stage, so with a
 * custom domain mapped at the empty base path it equals the resource URI's path.
 */
export function v1Request(event: V1RequestFields): { headers: Headers; url: string } {
  const headers = new Headers();
  if (event.multiValueHeaders) {
    for (const [k, vs] of Object.entries(event.multiValueHeaders)) for (const v of vs ?? []) headers.append(k, v);
  } else {
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers.set(k, v);
  }
  const qs = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [k, vs] of Object.entries(event.multiValueQueryStringParameters)) for (const v of vs ?? []) qs.append(k, v);
  } else {
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) qs.append(k, v);
  }
  const host = headers.get("host") ?? event.requestContext.domainName ?? "localhost";
  return { headers, url: `https://${host}${event.path}${qs.size > 0 ? `?${qs}` : ""}` };
}
