/**
 * The front's single DynamoDB table: one key schema shared by `createFrontTable` (local server,
 * tests) and the `McpAuthFront` Pulumi component (AWS), so both homes store the same items.
 *
 * - `pk` / `sk`: partition and sort key of every item (the item families are listed in
 *   `dynamodb-store.ts`: consents, consents by grant, revocations, counters, registrations; and in
 *   `dynamodb-adapter.ts`: oidc-provider's models and their lookup pointers).
 * - `gsi1pk` / `gsi1sk`: one global secondary index (consents by client, registrations by client).
 * - `expiresAt`: epoch seconds; DynamoDB's time to live deletes expired items (lazily, so every
 *   read also checks it).
 */
export const FRONT_TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  gsi1: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
} as const;
