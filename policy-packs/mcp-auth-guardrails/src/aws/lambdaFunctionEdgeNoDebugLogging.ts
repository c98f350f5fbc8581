import { stackPolicy } from "../policy.js";
import { isEdgeFunction } from "./edge.js";

const VERBOSE = new Set(["debug", "trace"]);

/**
 * Debug and trace logging on the edge can write request headers (bearer tokens) and bodies to
 * CloudWatch; the edge must log at info or above (MCP: "MUST implement secure token storage").
 * @severity high
 */
export const awsLambdaFunctionEdgeNoDebugLogging = stackPolicy({
  name: "aws-lambda-function-edge-no-debug-logging",
  description: "MCP auth edge Lambdas must not log at DEBUG or TRACE level, which can echo bearer tokens into logs.",
  enforcementLevel: "mandatory",
  severity: "high",
  validate(resources, _config, report) {
    for (const fn of resources.filter(isEdgeFunction)) {
      const logging = fn.props.loggingConfig as { applicationLogLevel?: string } | undefined;
      const level = logging?.applicationLogLevel;
      if (level && VERBOSE.has(level.toLowerCase())) {
        report(`Edge Lambda '${fn.name}' logs at ${level}, which can echo bearer tokens; set 'loggingConfig.applicationLogLevel' to INFO or WARN.`, fn.urn);
      }
      const env = (fn.props.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
      for (const key of ["MCP_EDGE_LOG_LEVEL", "LOG_LEVEL", "NODE_DEBUG", "DEBUG"]) {
        const v = env[key];
        if (typeof v !== "string" || v === "") continue;
        if (key === "NODE_DEBUG" || key === "DEBUG" || VERBOSE.has(v.toLowerCase())) {
          report(`Edge Lambda '${fn.name}' sets ${key}=${v}, which can echo bearer tokens into logs; remove it or use 'info'.`, fn.urn);
        }
      }
    }
  },
});
