/**
 * In-memory data and canned tool behaviour for the demo MCP server. Tools are matched by name
 * pattern (`list_x`, `get_x`, `update_x`, `delete_x`, `export_x`, `merge_x`, `close_x`,
 * `add_x`, `bulk_email_x`), so any plan's tools get a plausible implementation; the seed data
 * makes the CRM example meaningful.
 */

export type DemoRecord = Record<string, unknown> & { id: string };

/** Mutable in-memory store: collection name → records. Singletons (settings, billing) hold one record. */
export type DemoStore = Map<string, DemoRecord[]>;

/** A fresh store seeded with the CRM example's data. */
export function seedStore(): DemoStore {
  return new Map<string, DemoRecord[]>([
    [
      "customers",
      [
        { id: "c1", name: "Acme Ltd", email: "ops@acme.test", tier: "enterprise" },
        { id: "c2", name: "Globex", email: "it@globex.test", tier: "growth" },
        { id: "c3", name: "Initech", email: "admin@initech.test", tier: "starter" },
      ],
    ],
    [
      "deals",
      [
        { id: "d1", customerId: "c1", title: "Renewal 2027", amount: 48000, stage: "negotiation" },
        { id: "d2", customerId: "c2", title: "Upsell analytics", amount: 12000, stage: "proposal" },
      ],
    ],
    [
      "contacts",
      [
        { id: "p1", customerId: "c1", name: "Wile E.", email: "wile@acme.test" },
        { id: "p2", customerId: "c2", name: "Hank S.", email: "hank@globex.test" },
      ],
    ],
    ["notes", [{ id: "n1", about: "c1", text: "Prefers quarterly invoicing." }]],
    ["settings", [{ id: "settings", organisation: "Example Org", timezone: "Europe/London", ssoEnforced: true }]],
    ["billing", [{ id: "billing", plan: "business", seats: 25, paymentMethod: "card •••• 4242" }]],
  ]);
}

function collection(store: DemoStore, noun: string): DemoRecord[] {
  const key = [noun, `${noun}s`, noun.replace(/s$/, "")].find((k) => store.has(k)) ?? noun;
  if (!store.has(key)) store.set(key, []);
  return store.get(key) as DemoRecord[];
}

/** Arguments every demo tool accepts (all optional). */
export interface DemoArgs {
  id?: string | undefined;
  ids?: string[] | undefined;
  fields?: Record<string, unknown> | undefined;
  text?: string | undefined;
}

/** Runs a tool by name pattern against the store and returns a JSON-able result. */
export function runDemoTool(store: DemoStore, tool: string, args: DemoArgs): { ok: boolean; result: unknown } {
  const m = /^(list|get|update|delete|export|merge|close|add|bulk_email)_(.+)$/.exec(tool);
  if (!m) return { ok: true, result: { tool, args, note: "demo tool: no canned behaviour for this name; arguments echoed" } };
  const [, verb, noun] = m as unknown as [string, string, string];
  const rows = collection(store, noun);
  const find = (id: string | undefined) => rows.find((r) => r.id === (id ?? rows[0]?.id));
  switch (verb) {
    case "list":
      return { ok: true, result: rows };
    case "get": {
      const r = find(args.id);
      return r ? { ok: true, result: r } : { ok: false, result: `no ${noun} with id '${args.id ?? ""}'` };
    }
    case "update": {
      const r = find(args.id);
      if (!r) return { ok: false, result: `no ${noun} with id '${args.id ?? ""}'` };
      Object.assign(r, args.fields ?? {}, { id: r.id });
      return { ok: true, result: r };
    }
    case "delete": {
      const i = rows.findIndex((r) => r.id === args.id);
      if (i < 0) return { ok: false, result: `no ${noun} with id '${args.id ?? ""}'` };
      const [gone] = rows.splice(i, 1);
      return { ok: true, result: { deleted: gone } };
    }
    case "export": {
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const csv = [cols.join(","), ...rows.map((r) => cols.map((c) => JSON.stringify(r[c] ?? "")).join(","))].join("\n");
      return { ok: true, result: csv };
    }
    case "merge": {
      const [keep, drop] = args.ids ?? [];
      const a = rows.find((r) => r.id === keep);
      const bIndex = rows.findIndex((r) => r.id === drop);
      if (!a || bIndex < 0 || keep === drop) return { ok: false, result: `merge needs ids: [keepId, dropId] of two existing ${noun}` };
      const [b] = rows.splice(bIndex, 1);
      Object.assign(a, { ...b, ...a, mergedFrom: drop });
      return { ok: true, result: a };
    }
    case "close": {
      const r = find(args.id);
      if (!r) return { ok: false, result: `no ${noun} with id '${args.id ?? ""}'` };
      r["stage"] = args.fields?.["outcome"] === "lost" ? "closed-lost" : "closed-won";
      return { ok: true, result: r };
    }
    case "add": {
      const r: DemoRecord = { id: `${noun[0] ?? "x"}${rows.length + 1}-${Date.now().toString(36)}`, text: args.text ?? "", ...(args.fields ?? {}) };
      rows.push(r);
      return { ok: true, result: r };
    }
    case "bulk_email":
      return { ok: true, result: { queued: rows.length, subject: args.text ?? "(no subject)", note: "demo: nothing is sent" } };
    default:
      return { ok: false, result: "unreachable" };
  }
}
