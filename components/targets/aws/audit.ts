import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EdgeConfig } from "../../../lambda/config.js";

/**
 * The admin-facing audit surface over the edge's log group: CloudWatch Logs Insights saved queries
 * for the questions a security team asks, metric filters on the audit records, and alarms on
 * bursts of denials. The audit record format is the edge's `AuditRecord` (lambda/core/audit.ts):
 * one JSON object per decision with `decision`, `status`, `reason`, `user`, `client`, `agent`,
 * `tool`, `scopes`, `missing`, `chain`, `seq`, `prev`, `ip`, `ua`.
 */

/**
 * Where the audit fields sit in a log event. The Lambda entry writes each record as one JSON line
 * on stdout, so CloudWatch sees the record itself and the fields are top-level (`decision`,
 * `$.decision`). If records were logged through `console.log(object)` under the JSON log format,
 * they would sit under `message.` instead; change this one constant.
 */
export const AUDIT_FIELD_PREFIX = "";

/** CloudWatch namespace of the audit metrics; each stack publishes under `PulumiMcpAuth/<project>/<stack>`. */
export const AUDIT_METRIC_NAMESPACE = "PulumiMcpAuth";

/**
 * The namespace of one stack's audit metrics: two stacks of one program in one account (dev,
 * prod) never add their counts into each other's metrics and alarms.
 */
export function auditMetricNamespace(project: string = pulumi.getProject(), stack: string = pulumi.getStack()): string {
  return `${AUDIT_METRIC_NAMESPACE}/${project}/${stack}`;
}

/** Placeholders an admin replaces in a saved query before running it. */
export const QUERY_PLACEHOLDERS = { agent: "<AGENT>", user: "<USER>", scope: "<SCOPE>", client: "<CLIENT>" } as const;

const f = (name: string) => `${AUDIT_FIELD_PREFIX}${name}`;
/** Audit records only (other log lines — platform, operator warnings — have no chain). */
const IS_RECORD = `ispresent(${f("chain")}) and ispresent(${f("decision")})`;
const COMMON_FIELDS = ["ts", "server", "decision", "status", "reason", "user", "client", "agent", "method", "tool", "session", "ip"].map(f).join(", ");

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Declared scopes above `routine` across all configs, sorted. */
export function sensitiveScopes(configs: readonly EdgeConfig[]): string[] {
  const out = new Set<string>();
  for (const c of configs) for (const [name, s] of Object.entries(c.scopes)) if (s.sensitivity !== "routine") out.add(name);
  return [...out].sort();
}

/** One saved query. */
export interface SavedQuery {
  /** Short id (child resource name suffix). */
  id: string;
  /** Name shown in the console (folders use `/`). */
  title: string;
  query: string;
}

/**
 * The saved Logs Insights queries. Time ranges ("last week") are picked in the console; the
 * placeholders in {@link QUERY_PLACEHOLDERS} are replaced by the admin. Sensitive scopes are
 * baked in at deploy time from the edge configs (the audit record names scopes, not sensitivities).
 */
export function savedQueries(configs: readonly EdgeConfig[]): SavedQuery[] {
  const sensitive = sensitiveScopes(configs);
  // A scope inside the JSON `scopes`/`missing` arrays: quoted, so `a:b:read` never matches `a:b:readall`.
  const sensitiveRegex = sensitive.length > 0 ? `/"(${sensitive.map(escapeRegex).join("|")})"/` : "/$^/";
  return [
    {
      id: "agent-for-user",
      title: "What did an agent do for a user",
      query: [
        `fields ${COMMON_FIELDS}, ${f("scopes")}, ${f("params")}`,
        `| filter ${IS_RECORD}`,
        `| filter ${f("agent")} = "${QUERY_PLACEHOLDERS.agent}" and ${f("user")} = "${QUERY_PLACEHOLDERS.user}"`,
        `| sort ${f("ts")} desc`,
        "| limit 1000",
      ].join("\n"),
    },
    {
      id: "denied-sensitive",
      title: "Every denied high or critical call",
      query: [
        `fields ${COMMON_FIELDS}, ${f("scopes")}, ${f("missing")}`,
        `| filter ${IS_RECORD} and ${f("decision")} = "deny"`,
        `| filter @message like ${sensitiveRegex}`,
        `| sort ${f("ts")} desc`,
        "| limit 1000",
      ].join("\n"),
    },
    {
      id: "clients-by-scope",
      title: "Which clients used a scope",
      query: [
        `fields ${f("client")}, ${f("agent")}, ${f("server")}`,
        `| filter ${IS_RECORD} and ${f("decision")} = "allow"`,
        `| filter @message like /"${QUERY_PLACEHOLDERS.scope}"/`,
        `| stats count(*) as calls, count_distinct(${f("user")}) as users, max(${f("ts")}) as lastSeen by ${f("client")}, ${f("agent")}, ${f("server")}`,
        "| sort calls desc",
      ].join("\n"),
    },
    {
      id: "denials-by-reason",
      title: "Denials by reason and client",
      query: [
        `filter ${IS_RECORD} and ${f("decision")} = "deny"`,
        `| stats count(*) as denials by ${f("status")}, ${f("reason")}, ${f("client")}, ${f("server")}`,
        "| sort denials desc",
      ].join("\n"),
    },
    {
      id: "client-activity",
      title: "Everything one client did",
      query: [
        `fields ${COMMON_FIELDS}, ${f("scopes")}`,
        `| filter ${IS_RECORD} and ${f("client")} = "${QUERY_PLACEHOLDERS.client}"`,
        `| sort ${f("ts")} desc`,
        "| limit 1000",
      ].join("\n"),
    },
    {
      // A chain is one edge instance's records, numbered from 0 and hash-linked. In the chosen time
      // range, a chain whose record count is smaller than its seq span has lost records.
      id: "chain-gaps",
      title: "Audit chains with missing records",
      query: [
        `filter ${IS_RECORD}`,
        `| stats count(*) as records, min(${f("seq")}) as firstSeq, max(${f("seq")}) as lastSeq by ${f("chain")}`,
        "| filter records != lastSeq - firstSeq + 1",
        "| sort lastSeq desc",
      ].join("\n"),
    },
  ];
}

/** One metric filter (and its alarm, when `alarm` is set). */
export interface AuditMetric {
  id: string;
  metricName: string;
  /** CloudWatch Logs filter pattern over the JSON record. */
  pattern: string;
  alarm?: { thresholdKey: "threshold401" | "threshold403"; description: string };
}

/** The metric filters. Patterns use JSON selectors on the audit record (`$.status`). */
export function auditMetrics(): AuditMetric[] {
  const j = (name: string) => `$.${AUDIT_FIELD_PREFIX}${name}`;
  return [
    { id: "allow", metricName: "Allowed", pattern: `{ ${j("decision")} = "allow" }` },
    {
      id: "401",
      metricName: "Denied401",
      pattern: `{ ${j("decision")} = "deny" && ${j("status")} = 401 }`,
      alarm: { thresholdKey: "threshold401", description: "Burst of 401s at the MCP edge: token replay, a broken client or an IdP key rotation the edge has not picked up." },
    },
    {
      id: "403",
      metricName: "Denied403",
      pattern: `{ ${j("decision")} = "deny" && ${j("status")} = 403 }`,
      alarm: { thresholdKey: "threshold403", description: "Burst of 403s at the MCP edge: a client probing for scopes or tools it was not granted." },
    },
    // seq 0 starts a new chain (a new edge instance). A burst of new chains without traffic growth
    // means instances dying mid-chain: their tail records may be missing (see the chain-gaps query).
    { id: "chain-start", metricName: "AuditChainStarts", pattern: `{ ${j("seq")} = 0 }` },
  ];
}

/** Creates the saved queries, metric filters and alarms as children of `parent`. */
export function createAuditSurface(
  parent: pulumi.Resource,
  name: string,
  logGroupName: pulumi.Output<string>,
  configs: pulumi.Output<EdgeConfig[]>,
  alarms: { threshold401: number; threshold403: number; periodSeconds: number; actions?: readonly pulumi.Input<string>[] | undefined },
  tags?: Readonly<Record<string, string>>,
) {
  const opts = { parent };
  // The query texts depend on the configs only through the sensitive scopes; ids are fixed, so
  // resource names are known before the configs resolve.
  const ids = savedQueries([]).map((q) => q.id);
  const queries = ids.map(
    (id) =>
      new aws.cloudwatch.QueryDefinition(
        `${name}-q-${id}`,
        {
          name: configs.apply((c) => `pulumi-mcp-auth/${pulumi.getProject()}/${pulumi.getStack()}/${name}/${savedQueries(c).find((q) => q.id === id)!.title}`),
          queryString: configs.apply((c) => savedQueries(c).find((q) => q.id === id)!.query),
          logGroupNames: [logGroupName],
        },
        opts,
      ),
  );
  const namespace = auditMetricNamespace();
  const filters: aws.cloudwatch.LogMetricFilter[] = [];
  const alarmResources: aws.cloudwatch.MetricAlarm[] = [];
  for (const m of auditMetrics()) {
    const metricName = `${name}-${m.metricName}`;
    filters.push(
      new aws.cloudwatch.LogMetricFilter(
        `${name}-mf-${m.id}`,
        { name: metricName, logGroupName, pattern: m.pattern, metricTransformation: { name: metricName, namespace, value: "1", defaultValue: "0", unit: "Count" } },
        opts,
      ),
    );
    if (m.alarm) {
      alarmResources.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-alarm-${m.id}`,
          {
            alarmDescription: m.alarm.description,
            namespace,
            metricName,
            statistic: "Sum",
            period: alarms.periodSeconds,
            evaluationPeriods: 1,
            threshold: alarms[m.alarm.thresholdKey],
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
            alarmActions: alarms.actions ? [...alarms.actions] : [],
            tags: tags ? { ...tags } : undefined,
          },
          { parent, dependsOn: filters },
        ),
      );
    }
  }
  return { queries, filters, alarms: alarmResources };
}
