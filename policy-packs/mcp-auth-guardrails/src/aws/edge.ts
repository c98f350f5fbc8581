import type { StackResource } from "../policy.js";

export const LAMBDA_FUNCTION = "aws:lambda/function:Function";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/** Tag that marks a Lambda as an MCP auth edge (the toolkit's AWS component sets it). */
export const EDGE_TAG = "pulumi-mcp-auth:edge";

/** Whether a Lambda is an MCP auth edge: created by the toolkit's AWS component, or tagged as one. */
export function isEdgeFunction(r: StackResource): boolean {
  if (r.type !== LAMBDA_FUNCTION) return false;
  if (r.parent?.type.startsWith("pulumi-mcp-auth:aws:")) return true;
  const tags = r.props.tags as Record<string, unknown> | undefined;
  return tags !== undefined && EDGE_TAG in tags;
}
