import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Command, CliIO } from "../io.js";
import { UsageError } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { createDynamoStore } from "../../components/front/store/dynamodb.js";
import type { ConsentRecord, FrontStore } from "../../components/front/store/types.js";

const help = `Usage: pulumi-mcp-auth revoke (--user <sub> | --client <client_id> | --grant <grant_id>)
                              --table <name> [--region <region>] [--endpoint <url>]

Revokes access at the authorization front, as an administrator: every grant of a user, every
grant given to a client, or the consent behind one grant. The front's consent records for them
are deleted, every token issued under their grants (authorization codes, access and refresh
tokens) is destroyed, and a revocation is recorded that the edge reads, so access tokens already
issued are refused too. Prints what was revoked (never a token).

Options:
  --user <sub>         Revoke everything a user granted (the front's 'sub' for the user).
  --client <id>        Revoke everything granted to a client (its client_id; a URL for CIMD clients).
  --grant <id>         Revoke the consent a grant came from, with every grant of that consent;
                       also once the grant itself has expired.
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
  /**
   * The grants destroyed with their tokens. For `--grant`, the given id is among them unless the
   * front knew nothing of it (neither the grant nor a consent listing it).
   */
  grantIds: string[];
  at: number;
  /**
   * `--grant` only: false when the front no longer holds the grant itself (expired, or revoked
   * before). Its consents are found by the grant id all the same ({@link FrontStore.listConsentsByGrant}).
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
 *
 * A grant is revoked with the consent it came from (the store finds it by the grant id, also once
 * the grant itself has expired), and so with every other grant of that consent, as `--user` and
 * `--client` revoke all grants of the consents they remove: the consent is the user's
 * authorization, and what was issued on an authorization goes with it (as RFC 7009 §2.1 has a
 * revoked refresh token take the access tokens of the same grant). Each of those grants gets its
 * own revocation record for the edge.
 */
export async function revoke(store: FrontStore, kind: RevokeResult["kind"], id: string, nowSeconds: number): Promise<RevokeResult> {
  const record = (k: RevokeResult["kind"], i: string) => store.addRevocation({ kind: k, id: i, at: nowSeconds, by: "admin", expiresAt: nowSeconds + REVOCATION_RETENTION_SECONDS });
  await record(kind, id);
  let consents: ConsentRecord[];
  let grantFound: boolean | undefined;
  if (kind === "user") consents = await store.listConsentsBySub(id);
  else if (kind === "client") consents = await store.listConsentsByClient(id);
  else {
    const grant = await store.adapter("Grant").find(id);
    grantFound = grant !== undefined;
    consents = await store.listConsentsByGrant(id);
    // While the grant exists its account leads to its consents too: that also finds a consent written
    // before the store kept consent-by-grant links, which has none.
    const account = typeof grant?.["accountId"] === "string" ? grant["accountId"] : undefined;
    if (account !== undefined) {
      const seen = new Set(consents.map((c) => `${c.sub}\u0000${c.clientId}\u0000${c.resource}`));
      for (const c of await store.listConsentsBySub(account)) {
        if (c.grantIds.includes(id) && !seen.has(`${c.sub}\u0000${c.clientId}\u0000${c.resource}`)) consents.push(c);
      }
    }
  }
  const grantIds = new Set<string>(kind === "grant" ? [id] : []);
  for (const c of consents) for (const g of c.grantIds) grantIds.add(g);
  if (kind === "grant") for (const g of grantIds) if (g !== id) await record("grant", g);
  // Whatever fails part-way, a second run must find what is left: the consents list the grants
  // (and, for --grant, the grant id leads to its consents until they are deleted), so the grants
  // go first and the consents last.
  for (const g of grantIds) await destroyGrant(store, g);
  for (const c of consents) await store.deleteConsent(c.sub, c.clientId, c.resource);
  // An id the front knew nothing of: its tokens were looked for all the same, but no grant was destroyed.
  if (kind === "grant" && grantFound === false && consents.length === 0) grantIds.delete(id);
  return { kind, id, consents, grantIds: [...grantIds].sort(), at: nowSeconds, ...(grantFound === false ? { grantFound } : {}) };
}

function summary(r: RevokeResult): string {
  const what = r.kind === "user" ? `user '${r.id}'` : r.kind === "client" ? `client '${r.id}'` : `grant '${r.id}'`;
  const lines = [`Revoked ${what} at ${new Date(r.at * 1000).toISOString()}:`];
  lines.push(`  grants destroyed: ${r.grantIds.length} (with their codes, access and refresh tokens)`);
  const line = (c: ConsentRecord) => `    - ${c.sub} → ${c.clientId} on ${c.resource} (${Object.keys(c.scopes).sort().join(" ") || "no scopes"})`;
  lines.push(`  consents removed: ${r.consents.length}`);
  for (const c of r.consents) lines.push(line(c));
  if (r.kind === "grant" && r.grantFound === false) {
    if (r.consents.length > 0) lines.push("  the grant itself was no longer held (expired, or revoked before); its consent was found by the grant id.");
    else lines.push("  the grant was not found: the front holds neither the grant nor a consent that lists it (an unknown grant id, or one whose consent was revoked before).");
  }
  const others = r.kind === "grant" ? r.grantIds.filter((g) => g !== r.id) : [];
  if (others.length) lines.push(`  revocations recorded for the edge: tokens of this grant and of the consent's ${others.length} other grant${others.length === 1 ? "" : "s"} issued until now are refused.`);
  else lines.push(`  revocation recorded for the edge: tokens of this ${r.kind} issued until now are refused.`);
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
