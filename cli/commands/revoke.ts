import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Command, CliIO } from "../io.js";
import { UsageError } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { createDynamoStore } from "../../components/front/store/dynamodb.js";
import type { ConsentRecord, FrontStore } from "../../components/front/store/types.js";

const help = `Usage: pulumi-mcp-auth revoke (--user <sub> | --client <client_id> | --grant <grant_id>)
                              --table <name> [--region <region>] [--endpoint <url>]

Revokes access at the authorization front, as an administrator: every grant of a user, every
grant given to a client, or one grant. The front's consent records for them are deleted, every
token issued under the grants (authorization codes, access and refresh tokens) is destroyed, and
a revocation is recorded that the edge reads, so access tokens already issued are refused too.
Prints what was revoked (never a token).

Options:
  --user <sub>         Revoke everything a user granted (the front's 'sub' for the user).
  --client <id>        Revoke everything granted to a client (its client_id; a URL for CIMD clients).
  --grant <id>         Revoke one grant.
  --table <name>       The front's DynamoDB table (McpAuthFront output 'tableName').
                       Default: $MCP_FRONT_TABLE.
  --region <region>    AWS region. Default: $AWS_REGION or $AWS_DEFAULT_REGION.
  --endpoint <url>     A DynamoDB-compatible endpoint (e.g. the local stack's), instead of AWS.
  -h, --help           Show this help.

AWS credentials come from the usual places (environment, profile, SSO). The caller needs
dynamodb:GetItem, Query, PutItem, DeleteItem and BatchWriteItem on the table and its index.

Exit codes:
  0  revoked (also when there was nothing left to revoke; the revocation is still recorded)
  1  the table could not be read or written (run the command again)
  2  bad arguments
`;

/**
 * How long a revocation record is kept: as long as the front keeps the records it writes itself
 * (components/front/revocation.ts), past the longest refresh token the guardrail rules allow (90 days,
 * RFC 9700 §4.14), so a token of the revoked user, client or grant that escaped the deletion (issued
 * while the command ran) is still refused at refresh and introspection.
 */
export const REVOCATION_RETENTION_SECONDS = 90 * 86_400;

/** oidc-provider models whose items belong to a grant. */
const GRANT_MODELS = ["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"] as const;

export interface RevokeResult {
  kind: "user" | "client" | "grant";
  id: string;
  consents: ConsentRecord[];
  grantIds: string[];
  at: number;
  /**
   * `--grant` only: false when the front no longer holds the grant (expired, or revoked before). The
   * grant is how its user, and so its consent, is found: a consent that still lists it is left.
   */
  grantFound?: boolean;
}

/** Destroys a grant and every token issued under it. */
async function destroyGrant(store: FrontStore, grantId: string): Promise<void> {
  await Promise.all(GRANT_MODELS.map((m) => store.adapter(m).revokeByGrantId(grantId)));
  await store.adapter("Grant").destroy(grantId);
}

/**
 * Revokes by user, client or grant on a front store. The revocation record is written first, so
 * the edge refuses the tokens even if a later step fails (the command can then be run again).
 */
export async function revoke(store: FrontStore, kind: RevokeResult["kind"], id: string, nowSeconds: number): Promise<RevokeResult> {
  await store.addRevocation({ kind, id, at: nowSeconds, by: "admin", expiresAt: nowSeconds + REVOCATION_RETENTION_SECONDS });
  let consents: ConsentRecord[];
  let grantFound: boolean | undefined;
  if (kind === "user") consents = await store.listConsentsBySub(id);
  else if (kind === "client") consents = await store.listConsentsByClient(id);
  else {
    const grant = (await store.adapter("Grant").find(id)) as { accountId?: string } | undefined;
    grantFound = grant !== undefined;
    consents = grant?.accountId ? (await store.listConsentsBySub(grant.accountId)).filter((c) => c.grantIds.includes(id)) : [];
  }
  const grantIds = new Set<string>(kind === "grant" ? [id] : []);
  for (const c of consents) for (const g of kind === "grant" ? [] : c.grantIds) grantIds.add(g);
  const removeConsents = async () => {
    for (const c of consents) {
      if (kind === "grant" && c.grantIds.length > 1) {
        await store.putConsent({ ...c, grantIds: c.grantIds.filter((g) => g !== id), updatedAt: nowSeconds });
      } else {
        await store.deleteConsent(c.sub, c.clientId, c.resource);
      }
    }
  };
  // Whatever fails part-way, a second run must find what is left: for a user or a client the
  // consents list the grants (so the grants go first); for one grant, the grant names the user
  // whose consent lists it (so the consent goes first).
  if (kind === "grant") await removeConsents();
  for (const g of grantIds) await destroyGrant(store, g);
  if (kind !== "grant") await removeConsents();
  return { kind, id, consents, grantIds: [...grantIds].sort(), at: nowSeconds, ...(grantFound === false ? { grantFound } : {}) };
}

function summary(r: RevokeResult): string {
  const what = r.kind === "user" ? `user '${r.id}'` : r.kind === "client" ? `client '${r.id}'` : `grant '${r.id}'`;
  const lines = [`Revoked ${what} at ${new Date(r.at * 1000).toISOString()}:`];
  lines.push(`  grants destroyed: ${r.grantIds.length} (with their codes, access and refresh tokens)`);
  // With --grant, a consent that other grants share stays (without this grant).
  const kept = (c: ConsentRecord) => r.kind === "grant" && c.grantIds.length > 1;
  const line = (c: ConsentRecord) => `    - ${c.sub} → ${c.clientId} on ${c.resource} (${Object.keys(c.scopes).sort().join(" ") || "no scopes"})`;
  const removed = r.consents.filter((c) => !kept(c));
  lines.push(`  consents removed: ${removed.length}`);
  for (const c of removed) lines.push(line(c));
  const narrowed = r.consents.filter(kept);
  if (narrowed.length) {
    lines.push(`  consents kept for their other grants: ${narrowed.length}`);
    for (const c of narrowed) lines.push(line(c));
  }
  if (r.grantFound === false) {
    lines.push("  the grant was not found (expired, or revoked before): its user, and so a consent that may still list it, cannot be looked up;");
    lines.push("    to make that user consent again, revoke the user (--user <sub>) or the client (--client <client_id>).");
  }
  lines.push(`  revocation recorded for the edge: tokens of this ${r.kind} issued until now are refused.`);
  return `${lines.join("\n")}\n`;
}

function clientFor(values: { region?: string | undefined; endpoint?: string | undefined }, io: CliIO): DynamoDBClient {
  const region = values.region ?? io.env["AWS_REGION"] ?? io.env["AWS_DEFAULT_REGION"];
  if (values.endpoint !== undefined) {
    let u: URL;
    try {
      u = new URL(values.endpoint);
    } catch {
      throw new UsageError(`revoke: --endpoint must be a URL such as http://127.0.0.1:8000, got '${values.endpoint}'`);
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    // A local DynamoDB-compatible server accepts any credentials; AWS's own come from the environment.
    const localCreds = loopback && !io.env["AWS_ACCESS_KEY_ID"] ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {};
    return new DynamoDBClient({ endpoint: values.endpoint, region: region ?? "us-east-1", ...localCreds });
  }
  if (!region) throw new UsageError("revoke: no AWS region; pass --region or set AWS_REGION");
  return new DynamoDBClient({ region });
}

const command: Command = {
  name: "revoke",
  summary: "Revoke a user's, a client's or one grant's access at the authorization front.",
  help,
  async run(args, io) {
    const { values } = parseCommandArgs(
      "revoke",
      args,
      { user: { type: "string" }, client: { type: "string" }, grant: { type: "string" }, table: { type: "string" }, region: { type: "string" }, endpoint: { type: "string" } },
      0,
    );
    const targets = (["user", "client", "grant"] as const).filter((k) => values[k] !== undefined);
    if (targets.length !== 1) throw new UsageError("revoke: give exactly one of --user <sub>, --client <client_id> or --grant <grant_id>");
    const kind = targets[0]!;
    const id = values[kind]!;
    if (id.trim() === "") throw new UsageError(`revoke: --${kind} needs a non-empty value`);
    const tableName = values.table ?? io.env["MCP_FRONT_TABLE"];
    if (!tableName) throw new UsageError("revoke: no table; pass --table <name> (McpAuthFront output 'tableName') or set MCP_FRONT_TABLE");
    const client = clientFor(values, io);
    try {
      const result = await revoke(createDynamoStore({ client, tableName }), kind, id, Math.floor(Date.now() / 1000));
      io.stdout(summary(result));
      return 0;
    } catch (err) {
      const e = err as Error;
      io.stderr(`revoke: could not complete the revocation in table '${tableName}': ${e.name}: ${e.message}\nNothing is lost by running the same command again once the table is reachable.\n`);
      return 1;
    } finally {
      client.destroy();
    }
  },
};

export default command;
