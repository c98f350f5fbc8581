import { randomUUID } from "node:crypto";
import type { Adapter } from "oidc-provider";
import { z } from "zod";
import type { DynamoApi } from "./dynamo-api.js";
import { DynamoAdapter } from "./dynamodb-adapter.js";
import { checkItemLimits, createItemReader, expired, isConditionFailure, N, num, putItems, queryAll, S, str, type Item } from "./dynamodb-items.js";
import { FRONT_TABLE } from "./table-schema.js";
import type { ConsentRecord, FrontStore, RegistrationRecord, RevocationRecord } from "./types.js";

/**
 * The front's storage on DynamoDB: one table (single-table design, key schema in `table-schema.ts`),
 * over the operations of `dynamo-api.ts` (`dynamodb.ts` also takes an AWS SDK client).
 *
 * Item families besides oidc-provider's models (`dynamodb-adapter.ts`):
 * - consent: `consent#<sub>` / `<clientId>#<resource>`, and on index `gsi1`
 *   `consentclient#<clientId>` / `<sub>#<resource>` (consents by client); `w` = the id of the write
 *   that stored it;
 * - consent by grant: `consentgrant#<grantId>` / `<sub>#<clientId>#<resource>`, one pointer per grant
 *   a consent lists (the consents behind a grant id, also once the grant itself has expired: one
 *   strongly consistent query). `data` names the consent, `w` the consent write that stored it. Like
 *   consents, pointers have no `expiresAt` (a consent does not expire: it is removed); they are
 *   removed with their consent, or when a write of the consent drops their grant. Not on `gsi1`.
 * - revocation: `revocation` / `<at, 12 digits>#<kind>#<id>#<uuid>` (one ordered range query
 *   answers "revocations since T"), `expiresAt` = when no token it concerns can be alive;
 * - counter: `counter#<key>` / `<window start>`, an atomic `ADD` (fixed windows), expiring after two windows;
 * - registration: `registration#<day>` / `<at>#<uuid>`, kept 90 days, and on `gsi1`
 *   `registrationclient#<clientId>`.
 * Key parts are URI-encoded, so a `#` inside a client ID or resource cannot forge another key.
 */

export interface DynamoApiStoreOptions {
  /** The DynamoDB operations (`dynamo-api.ts`): the front's own client on Lambda, or an SDK client wrapped by `sdkDynamoApi`. */
  client: DynamoApi;
  tableName: string;
  /** Clock in milliseconds (tests pass a fake one). Default `Date.now`. */
  now?: () => number;
}

const REGISTRATION_RETENTION_SECONDS = 90 * 86_400;

/** The record schemas, built on first use (a cold start that writes nothing need not build them). */
function buildSchemas() {
  const Sec = z.number().int().nonnegative();
  return {
    Sec,
    Consent: z.strictObject({
      sub: z.string().min(1),
      clientId: z.string().min(1),
      resource: z.string().min(1),
      scopes: z.record(z.string().min(1), Sec),
      grantIds: z.array(z.string().min(1)),
      updatedAt: Sec,
    }),
    GrantId: z.string().min(1),
    ConsentGrant: z.strictObject({ sub: z.string().min(1), clientId: z.string().min(1), resource: z.string().min(1) }),
    Revocation: z.strictObject({
      kind: z.enum(["user", "client", "grant"]),
      id: z.string().min(1),
      at: Sec,
      by: z.enum(["user", "admin", "client"]),
      expiresAt: Sec,
    }),
    Registration: z.strictObject({
      clientId: z.string(),
      via: z.enum(["dcr", "cimd"]),
      at: Sec,
      sourceIp: z.string(),
      softwareId: z.string().optional(),
      redirectHosts: z.array(z.string()),
      accepted: z.boolean(),
      reason: z.string().optional(),
    }),
  };
}
let schemas: ReturnType<typeof buildSchemas> | undefined;
const schema = () => (schemas ??= buildSchemas());

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`front store: invalid ${what}: ${r.error.issues.map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`).join("; ")}`);
  return r.data;
}

const enc = encodeURIComponent;
const pad = (n: number): string => String(n).padStart(12, "0");
const key = (pk: string, sk: string): Item => ({ pk: S(pk), sk: S(sk) });
const consentKey = (sub: string, clientId: string, resource: string): Item => key(`consent#${enc(sub)}`, `${enc(clientId)}#${enc(resource)}`);
const consentGrantKey = (grantId: string, c: ConsentId): Item => key(`consentgrant#${enc(grantId)}`, `${enc(c.sub)}#${enc(c.clientId)}#${enc(c.resource)}`);

type ConsentId = Pick<ConsentRecord, "sub" | "clientId" | "resource">;

/** How many single-item writes the store keeps in flight at once (pointer deletes of one consent). */
const PARALLEL_WRITES = 16;

function dataOf<T>(item: Item): T {
  const data = str(item, "data");
  if (data === undefined) throw new Error(`front store: item ${str(item, "pk")}/${str(item, "sk")} has no data attribute`);
  return JSON.parse(data) as T;
}

export function createDynamoApiStore(options: DynamoApiStoreOptions): FrontStore {
  const { client, tableName } = options;
  if (!tableName) throw new Error("createDynamoStore: tableName is required (the front's DynamoDB table)");
  const nowMs = options.now ?? Date.now;
  const nowSeconds = (): number => Math.floor(nowMs() / 1000);
  const read = createItemReader(client, tableName);
  const adapterCtx = { client, tableName, read, nowSeconds };
  const adapters = new Map<string, Adapter>();

  /**
   * Deletes the pointers of `grantIds` to the consent `c`, each only while it carries `w` (the id of
   * the consent write it came from): a pointer a newer write of the consent stored is left alone.
   */
  async function dropPointers(c: ConsentId, grantIds: string[], w: string): Promise<void> {
    const drop = async (g: string) => {
      try {
        await client.call("DeleteItem", {
          TableName: tableName,
          Key: consentGrantKey(g, c),
          ConditionExpression: "#w = :w",
          ExpressionAttributeNames: { "#w": "w" },
          ExpressionAttributeValues: { ":w": S(w) },
        });
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    };
    for (let i = 0; i < grantIds.length; i += PARALLEL_WRITES) await Promise.all(grantIds.slice(i, i + PARALLEL_WRITES).map(drop));
  }

  return {
    adapter(model) {
      let a = adapters.get(model);
      if (!a) {
        a = new DynamoAdapter(model, adapterCtx);
        adapters.set(model, a);
      }
      return a;
    },

    async getConsent(sub, clientId, resource) {
      const item = await read(consentKey(sub, clientId, resource));
      return item ? dataOf<ConsentRecord>(item) : undefined;
    },

    /**
     * Writes the consent and a consent-by-grant pointer for each grant it lists. DynamoDB-compatible
     * servers have no multi-item transactions everywhere (dynalite has none), so the order carries
     * the guarantee: the pointers are written first (BatchWriteItem, every item or a rejection), then
     * the consent, so a consent that lists a grant can always be found by that grant id; a pointer
     * whose consent does not list its grant (a write that failed half-way) resolves to nothing.
     * Pointers of grants this write drops are deleted after it, each only while it still carries the
     * replaced write's id (`w`): a concurrent write that lists the grant again has rewritten it, and
     * keeps it.
     */
    async putConsent(record) {
      const r = parse(schema().Consent, record, "consent record");
      const w = randomUUID();
      const grantIds = [...new Set(r.grantIds)];
      const item: Item = {
        ...consentKey(r.sub, r.clientId, r.resource),
        [FRONT_TABLE.gsi1.partitionKey]: S(`consentclient#${enc(r.clientId)}`),
        [FRONT_TABLE.gsi1.sortKey]: S(`${enc(r.sub)}#${enc(r.resource)}`),
        data: S(JSON.stringify(r)),
        w: S(w),
      };
      const target = JSON.stringify({ sub: r.sub, clientId: r.clientId, resource: r.resource } satisfies ConsentId);
      const pointers = grantIds.map((g): Item => ({ ...consentGrantKey(g, r), data: S(target), w: S(w) }));
      // Checked before anything is written: a pointer refused by DynamoDB would leave the batch half-written.
      checkItemLimits(item, "consent record");
      for (const p of pointers) checkItemLimits(p, "consent-by-grant pointer");
      await putItems(client, tableName, pointers);
      const res = await client.call("PutItem", { TableName: tableName, Item: item, ReturnValues: "ALL_OLD" });
      const old = res.Attributes;
      const oldW = str(old, "w");
      if (!old || oldW === undefined) return;
      const kept = new Set(grantIds);
      await dropPointers(r, parse(schema().Consent, dataOf<unknown>(old), "stored consent record").grantIds.filter((g) => !kept.has(g)), oldW);
    },

    async listConsentsByGrant(grantId) {
      const g = parse(schema().GrantId, grantId, "grant id");
      const pointers = await queryAll(client, { TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(`consentgrant#${enc(g)}`) }, ConsistentRead: true });
      const out: ConsentRecord[] = [];
      for (const p of pointers) {
        const c = parse(schema().ConsentGrant, dataOf<unknown>(p), "consent-by-grant pointer");
        // One read at a time (each a GetItem, strongly consistent): a grant has one consent per MCP server it covers.
        const item = await read(consentKey(c.sub, c.clientId, c.resource));
        const consent = item ? dataOf<ConsentRecord>(item) : undefined;
        if (consent?.grantIds.includes(g)) out.push(consent);
      }
      return out;
    },

    async listConsentsBySub(sub) {
      const items = await queryAll(client, { TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(`consent#${enc(sub)}`) }, ConsistentRead: true });
      return items.map((i) => dataOf<ConsentRecord>(i));
    },

    async listConsentsByClient(clientId) {
      // Global secondary indexes are eventually consistent; `revoke --client` also records a
      // client revocation, which covers a consent given in the last instant.
      const items = await queryAll(client, {
        TableName: tableName,
        IndexName: FRONT_TABLE.gsi1.name,
        KeyConditionExpression: "#g = :g",
        ExpressionAttributeNames: { "#g": FRONT_TABLE.gsi1.partitionKey },
        ExpressionAttributeValues: { ":g": S(`consentclient#${enc(clientId)}`) },
      });
      return items.map((i) => dataOf<ConsentRecord>(i));
    },

    /**
     * Deletes the consent, then its consent-by-grant pointers: if the second step fails, what is left
     * are pointers to nothing, never a consent its grant ids no longer lead to (`revoke --grant`
     * run again still finds it).
     */
    async deleteConsent(sub, clientId, resource) {
      const res = await client.call("DeleteItem", { TableName: tableName, Key: consentKey(sub, clientId, resource), ReturnValues: "ALL_OLD" });
      const old = res.Attributes;
      const oldW = str(old, "w");
      if (!old || oldW === undefined) return;
      await dropPointers({ sub, clientId, resource }, parse(schema().Consent, dataOf<unknown>(old), "stored consent record").grantIds, oldW);
    },

    async addRevocation(record) {
      const r = parse(schema().Revocation, record, "revocation record");
      await client.call("PutItem", {
        TableName: tableName,
        Item: { ...key("revocation", `${pad(r.at)}#${r.kind}#${enc(r.id)}#${randomUUID()}`), data: S(JSON.stringify(r)), expiresAt: N(r.expiresAt) },
      });
    },

    async listRevocations(since) {
      const s = parse(schema().Sec, Math.max(0, Math.floor(since)), "revocation cursor");
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND sk >= :since",
        ExpressionAttributeValues: { ":pk": S("revocation"), ":since": S(pad(s)) },
        ConsistentRead: true,
      });
      const now = nowSeconds();
      return items.filter((i) => !expired(i, now)).map((i) => dataOf<RevocationRecord>(i));
    },

    async incrementCounter(counterKey, windowSeconds, now) {
      if (!counterKey) throw new Error("incrementCounter: key must be a non-empty string");
      if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new Error(`incrementCounter: windowSeconds must be a positive integer, got ${windowSeconds}`);
      const start = Math.floor(now / windowSeconds) * windowSeconds;
      const res = await client.call("UpdateItem", {
        TableName: tableName,
        Key: key(`counter#${enc(counterKey)}`, pad(start)),
        UpdateExpression: "ADD #n :one SET #e = :exp",
        ExpressionAttributeNames: { "#n": "n", "#e": "expiresAt" },
        ExpressionAttributeValues: { ":one": N(1), ":exp": N(start + 2 * windowSeconds) },
        ReturnValues: "UPDATED_NEW",
      });
      const n = num(res.Attributes, "n");
      if (n === undefined) throw new Error(`incrementCounter: DynamoDB returned no count for '${counterKey}'`);
      return n;
    },

    async recordRegistration(record) {
      const r = parse(schema().Registration, record, "registration record");
      const day = Math.floor(r.at / 86_400) * 86_400;
      await client.call("PutItem", {
        TableName: tableName,
        Item: {
          ...key(`registration#${pad(day)}`, `${pad(r.at)}#${randomUUID()}`),
          [FRONT_TABLE.gsi1.partitionKey]: S(`registrationclient#${enc(r.clientId)}`),
          [FRONT_TABLE.gsi1.sortKey]: S(`${pad(r.at)}#${r.accepted ? "accepted" : "refused"}`),
          data: S(JSON.stringify(r satisfies RegistrationRecord)),
          expiresAt: N(r.at + REGISTRATION_RETENTION_SECONDS),
        },
      });
    },

    // The DynamoDB client belongs to the caller (it may serve other code); nothing to release here.
    async close() {},
  };
}

/** Registration records of one UTC day, oldest first (investigations, tests). */
export async function listRegistrationsOn(client: DynamoApi, tableName: string, dayOf: number): Promise<RegistrationRecord[]> {
  const day = Math.floor(dayOf / 86_400) * 86_400;
  const items = await queryAll(client, { TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(`registration#${pad(day)}`) }, ConsistentRead: true });
  return items.map((i) => dataOf<RegistrationRecord>(i));
}
