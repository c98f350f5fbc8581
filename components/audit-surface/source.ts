import type { RecordFilter, SurfaceRecord } from "./records.js";

/** Where a record sits in its chain and whether the chain around it verifies. */
export interface Verification {
  /**
   * `verified`: its link from the previous record and to the next one hold; `broken`: a problem
   * touches it; `unchecked`: not checked yet (CloudWatch list views; the record's detail checks it).
   */
  status: "verified" | "broken" | "unchecked";
  /** Records of the same chain seen in the store, and this one's position (its `seq`). */
  chainLength: number;
  problems: string[];
}

export type VerifiedRecord = SurfaceRecord & { verification: Verification };

export interface RecordPage {
  records: VerifiedRecord[];
  /** Matching records in total (the page is `offset`…`offset + limit`). */
  total: number;
  offset: number;
  limit: number;
}

/**
 * A read-only view over the audit records where they are stored (the local stack's audit file;
 * CloudWatch Logs on AWS). `tenant`, when set, restricts every answer to that tenant's records.
 */
export interface AuditSource {
  query(filter: RecordFilter, tenant?: string): Promise<RecordPage>;
  /** Every matching record, newest first, at most `max`. */
  exportRecords(filter: RecordFilter, max: number, tenant?: string): Promise<VerifiedRecord[]>;
  record(chain: string, seq: number, tenant?: string): Promise<VerifiedRecord | undefined>;
}
