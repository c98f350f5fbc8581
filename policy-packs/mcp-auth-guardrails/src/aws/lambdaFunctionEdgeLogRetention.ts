import { stackPolicy } from "../policy.js";
import { LOG_GROUP, isEdgeFunction } from "./edge.js";

/**
 * The edge's audit records are the security team's evidence; they must be kept for a declared time,
 * not forever by accident or deleted at once.
 * @severity medium
 */
export const awsLambdaFunctionEdgeLogRetention = stackPolicy<{ minRetentionDays: number }>({
  name: "aws-lambda-function-edge-log-retention",
  description: "MCP auth edge Lambdas must log to a log group with an explicit retention of at least the configured number of days.",
  enforcementLevel: "mandatory",
  severity: "medium",
  config: {
    schema: { properties: { minRetentionDays: { type: "integer", minimum: 1, default: 90, description: "Minimum audit-log retention, days." } } },
    defaults: { minRetentionDays: 90 },
  },
  validate(resources, config, report) {
    const groups = resources.filter((r) => r.type === LOG_GROUP);
    for (const fn of resources.filter(isEdgeFunction)) {
      const logging = fn.props.loggingConfig as { logGroup?: string } | undefined;
      const fnName = typeof fn.props.name === "string" ? fn.props.name : fn.name;
      const wanted = logging?.logGroup ?? `/aws/lambda/${fnName}`;
      const group = groups.find((g) => g.props.name === wanted);
      if (!group) {
        report(`Edge Lambda '${fn.name}' logs to '${wanted}', which this stack does not manage, so its retention is unbounded; create the log group with 'retentionInDays'.`, fn.urn);
        continue;
      }
      const days = group.props.retentionInDays;
      if (typeof days !== "number" || days === 0) {
        report(`Log group '${wanted}' of edge Lambda '${fn.name}' has no retention set; set 'retentionInDays' to at least ${config.minRetentionDays}.`, group.urn);
      } else if (days < config.minRetentionDays) {
        report(`Log group '${wanted}' of edge Lambda '${fn.name}' keeps audit records for ${days} days; set 'retentionInDays' to at least ${config.minRetentionDays}.`, group.urn);
      }
    }
  },
});
