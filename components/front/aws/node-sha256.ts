import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import type { Checksum, SourceData } from "@smithy/types";

/**
 * SHA-256 and HMAC-SHA256 on node:crypto in the shape AWS's signer (`@smithy/signature-v4`) takes:
 * `new Sha256()` hashes, `new Sha256(key)` is an HMAC with that key. The same thing as the SDK's
 * `@smithy/hash-node`, without its dependencies.
 */
const bytes = (data: SourceData): Buffer =>
  typeof data === "string" ? Buffer.from(data, "utf8") : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

export class NodeSha256 implements Checksum {
  private state: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.state = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }

  update(data: Uint8Array | string): void {
    this.state.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.state.digest()));
  }

  reset(): void {
    this.state = this.fresh();
  }
}
