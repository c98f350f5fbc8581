import { gunzipSync } from "node:zlib";

/**
 * Reads an audit export as it is downloaded: plain JSON lines (the local audit file, `aws logs
 * filter-log-events` output piped through jq), a CloudWatch Logs export (`<timestamp> <message>`
 * lines), or the Object Lock archive's objects (CloudWatch Logs subscription envelopes
 * `{"messageType":"DATA_MESSAGE",…,"logEvents":[{"message":…}]}`, concatenated, gzip or not).
 * Returns the lines of one kind — audit records (`v`, `chain`, `seq`) or checkpoints
 * (`type: "checkpoint"`) — deduplicated (delivery is at least once) and in chain order (the archive's
 * objects need not come in emission order). Other lines (Lambda platform lines, operator logs) are
 * counted in `skipped`.
 */
export function exportLines(data: Buffer, kind: "records" | "checkpoints"): { lines: string[]; skipped: number } {
  const text = (data[0] === 0x1f && data[1] === 0x8b ? gunzipAll(data) : data).toString("utf8");
  const messages: string[] = [];
  for (const obj of jsonValues(text)) {
    if (typeof obj === "string") messages.push(obj);
    else if (isEnvelope(obj)) {
      if (obj.messageType === "DATA_MESSAGE") for (const e of obj.logEvents) if (typeof e?.message === "string") messages.push(e.message);
    }
  }
  const seen = new Set<string>();
  const keyed: Array<{ chain: string; n: number; line: string }> = [];
  let skipped = 0;
  for (const m of messages) {
    const line = m.trim().replace(/^\S+\s+(?=\{)/, ""); // `<timestamp> {…}` of a CloudWatch export
    const k = kindOf(line);
    if (!k || k.kind !== kind) {
      skipped++;
      continue;
    }
    if (seen.has(line)) continue;
    seen.add(line);
    keyed.push({ chain: k.chain, n: k.n, line });
  }
  keyed.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.n - b.n));
  return { lines: keyed.map((k) => k.line), skipped };
}

function kindOf(line: string): { kind: "records" | "checkpoints"; chain: string; n: number } | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const o = JSON.parse(line) as { v?: unknown; type?: unknown; chain?: unknown; seq?: unknown; cseq?: unknown };
    if (typeof o.chain !== "string") return undefined;
    if (o.type === "checkpoint" && typeof o.cseq === "number") return { kind: "checkpoints", chain: o.chain, n: o.cseq };
    if (o.v === 1 && typeof o.seq === "number") return { kind: "records", chain: o.chain, n: o.seq };
  } catch {
    // a record cut or edited into invalid JSON: the chain then shows the gap
  }
  return undefined;
}

interface Envelope {
  messageType: string;
  logEvents: Array<{ message?: unknown }>;
}
function isEnvelope(o: unknown): o is Envelope {
  return typeof o === "object" && o !== null && typeof (o as Envelope).messageType === "string" && Array.isArray((o as Envelope).logEvents);
}

/** Splits text into lines; a line holding concatenated envelopes (`}{`) is split into its JSON values. */
function* jsonValues(text: string): Generator<unknown> {
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (!line.startsWith('{"messageType"')) {
      yield line;
      continue;
    }
    for (const part of line.split(/(?<=\})(?=\{"messageType")/)) {
      try {
        yield JSON.parse(part);
      } catch {
        yield part;
      }
    }
  }
}

/** gunzip of concatenated gzip members (Firehose appends one per delivered record). */
function gunzipAll(data: Buffer): Buffer {
  return gunzipSync(data, { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a cut last member */ });
}
