import { bad, callsFromHeaders, decodeHeaderValue, HEADER_MISMATCH, parseCalls, type Call, type ParseProblem } from "./jsonrpc.js";

/** What one HTTP request asks the MCP server to do, read under the transport revision it announces. */
export interface RequestCalls {
  /** The calls, or why the request is malformed (answered once the token is known to be valid). */
  calls: Call[] | ParseProblem;
  /** `Mcp-Name`, decoded (`null` when absent, `undefined` when malformed). */
  name: string | null | undefined;
  /** Bodyless POST authorized from `Mcp-Method`/`Mcp-Name` alone (REST authorizer mode). */
  headerOnly: boolean;
}

/**
 * Reads the calls from the JSON-RPC body, or from the headers of a bodyless POST. `modern`: the
 * client announced MCP 2026-07-28 or later, whose Streamable HTTP transport ("Sending Messages")
 * says the body MUST be a single JSON-RPC request or notification and the client MUST NOT send
 * JSON-RPC responses; earlier revisions keep batches and responses.
 */
export function requestCalls(httpMethod: string, body: string | undefined, mcpMethod: string | null, rawName: string | null, modern: boolean): RequestCalls {
  const name = rawName === null ? null : decodeHeaderValue(rawName);
  const hasBody = body !== undefined && body.length > 0;
  const headerOnly = !hasBody && httpMethod === "POST" && mcpMethod !== null;
  let calls: Call[] | ParseProblem = [];
  if (name === undefined) calls = bad(HEADER_MISMATCH, "Mcp-Name: malformed =?base64?…?= value", "header_name_malformed");
  else if (hasBody) {
    const parsed = parseCalls(body);
    if ("reason" in parsed) calls = parsed;
    else if (modern && parsed.batch) calls = bad(-32600, "Invalid Request: no batches in protocol 2026-07-28", "body_batch_refused");
    else if (modern && parsed.responses > 0) calls = bad(-32600, "Invalid Request: no client responses in protocol 2026-07-28", "body_response_refused");
    else calls = parsed.calls;
  } else if (headerOnly) calls = callsFromHeaders(mcpMethod, name);
  return { calls, name, headerOnly };
}
