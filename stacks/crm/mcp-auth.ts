import { defineMcpAuth } from "../../components/index.js";

/**
 * The CRM example: two MCP servers (sales and admin) over customers, deals, contacts, notes,
 * settings and billing. Read and create/update are routine; delete, export, merge, close and bulk
 * email are high; settings and billing writes are critical and live on their own server so that
 * IdPs with one token lifetime per API (Auth0, Entra) can give them 5-minute tokens.
 */
export default defineMcpAuth({
  name: "crm",
  description: "Example CRM taxonomy used by the docs, the tests and every target.",
  scopes: {
    "crm:customers:read": { description: "Read customer records", sensitivity: "routine", displayName: "Read customers" },
    "crm:customers:write": {
      description: "Create and update customer records",
      sensitivity: "routine",
      displayName: "Edit customers",
      implies: ["crm:customers:read"],
    },
    "crm:customers:delete": { description: "Delete customer records permanently", sensitivity: "high", displayName: "Delete customers" },
    "crm:customers:export": { description: "Export customer records in bulk (CSV)", sensitivity: "high", displayName: "Export customers" },
    "crm:customers:merge": { description: "Merge duplicate customer records", sensitivity: "high", displayName: "Merge customers" },
    "crm:deals:read": { description: "Read deals and pipeline stages", sensitivity: "routine", displayName: "Read deals" },
    "crm:deals:write": { description: "Create and update deals", sensitivity: "routine", displayName: "Edit deals", implies: ["crm:deals:read"] },
    "crm:deals:close": { description: "Close a deal as won or lost", sensitivity: "high", displayName: "Close deals" },
    "crm:contacts:read": { description: "Read contacts", sensitivity: "routine", displayName: "Read contacts" },
    "crm:contacts:write": { description: "Create and update contacts", sensitivity: "routine", displayName: "Edit contacts", implies: ["crm:contacts:read"] },
    "crm:contacts:bulk_email": { description: "Send an email to many contacts at once", sensitivity: "high", displayName: "Bulk email contacts" },
    "crm:notes:read": { description: "Read notes on customers and deals", sensitivity: "routine", displayName: "Read notes" },
    "crm:notes:write": { description: "Add and edit notes", sensitivity: "routine", displayName: "Edit notes", implies: ["crm:notes:read"] },
    "crm:settings:read": { description: "Read organisation settings", sensitivity: "routine", displayName: "Read settings" },
    "crm:settings:write": { description: "Change organisation settings", sensitivity: "critical", displayName: "Change settings", implies: ["crm:settings:read"] },
    "crm:billing:read": { description: "Read invoices and the billing plan", sensitivity: "routine", displayName: "Read billing" },
    "crm:billing:write": { description: "Change the billing plan and payment method", sensitivity: "critical", displayName: "Change billing", implies: ["crm:billing:read"] },
  },
  servers: [
    {
      name: "crm",
      resource: "https://mcp.example.com/crm",
      displayName: "CRM",
      description: "Customers, deals, contacts and notes.",
      tools: {
        list_customers: { scopes: ["crm:customers:read"], description: "List customers" },
        get_customer: { scopes: ["crm:customers:read"], description: "Get one customer" },
        update_customer: { scopes: ["crm:customers:write"], description: "Update a customer" },
        delete_customer: { scopes: ["crm:customers:delete"], description: "Delete a customer" },
        export_customers: { scopes: ["crm:customers:export"], description: "Export customers as CSV" },
        merge_customers: { scopes: ["crm:customers:merge", "crm:customers:write"], description: "Merge two customers" },
        list_deals: { scopes: ["crm:deals:read"], description: "List deals" },
        update_deal: { scopes: ["crm:deals:write"], description: "Update a deal" },
        close_deal: { scopes: ["crm:deals:close"], description: "Close a deal" },
        list_contacts: { scopes: ["crm:contacts:read"], description: "List contacts" },
        update_contact: { scopes: ["crm:contacts:write"], description: "Update a contact" },
        bulk_email_contacts: { scopes: ["crm:contacts:bulk_email", "crm:contacts:read"], description: "Email many contacts" },
        list_notes: { scopes: ["crm:notes:read"], description: "List notes" },
        add_note: { scopes: ["crm:notes:write"], description: "Add a note" },
      },
      resources: {
        "crm://customers": { scopes: ["crm:customers:read"], description: "The customer list" },
      },
      consent: {
        mandatory: ["crm:customers:read", "crm:deals:read", "crm:contacts:read", "crm:notes:read"],
        optional: ["crm:customers:write", "crm:deals:write", "crm:contacts:write", "crm:notes:write"],
      },
      allowedOrigins: ["https://app.example.com"],
      upstream: "https://crm-mcp.internal.example.com/mcp",
    },
    {
      name: "crm-admin",
      resource: "https://mcp.example.com/crm-admin",
      displayName: "CRM administration",
      description: "Organisation settings and billing.",
      tools: {
        get_settings: { scopes: ["crm:settings:read"], description: "Read settings" },
        update_settings: { scopes: ["crm:settings:write"], description: "Change settings" },
        get_billing: { scopes: ["crm:billing:read"], description: "Read billing" },
        update_billing: { scopes: ["crm:billing:write"], description: "Change billing" },
      },
      upstream: "https://crm-admin-mcp.internal.example.com/mcp",
    },
  ],
  tiers: {
    verified: {
      description: "First-party clients we pre-register with exact redirect URIs.",
      registration: "pre-registered",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      maxSensitivity: "critical",
      clients: [
        { name: "claude-code", displayName: "Claude Code", redirectUris: ["http://127.0.0.1:33418/callback", "http://localhost:33418/callback"] },
        { name: "internal-portal", displayName: "Internal portal", redirectUris: ["https://portal.example.com/oauth/callback"] },
      ],
    },
    cimd: {
      description: "Clients identified by a client ID metadata document on an allowed domain.",
      registration: "cimd",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      // Openly identified clients are capped at routine (rule tier-sensitivity-cap); two high scopes
      // are allowed through reviewed exceptions. Delete, export and bulk email stay out of reach.
      maxSensitivity: "routine",
      exceptions: [
        { scope: "crm:deals:close", justification: "Sales reps close deals from Claude and VS Code; a closed deal can be reopened." },
        { scope: "crm:customers:merge", justification: "Reps merge duplicates they find while chatting; merges are logged and reversible by support." },
      ],
      allowedDomains: ["claude.ai", "vscode.dev"],
    },
    dcr: {
      description: "Dynamically registered clients (legacy since MCP 2026-07-28): routine scopes only.",
      registration: "dcr",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      maxSensitivity: "routine",
      allowedRedirectUris: ["http://127.0.0.1/callback", "http://localhost/callback"],
      registrationRateLimitPerMinute: 10,
      tokens: { refreshToken: { lifetimeDays: 7 } },
    },
    agent: {
      description: "Back-office agents using client credentials, no user.",
      registration: "client-credentials",
      clientType: "confidential",
      grantTypes: ["client_credentials"],
      tokenEndpointAuthMethod: "private_key_jwt",
      maxSensitivity: "routine",
      scopes: ["crm:customers:read", "crm:deals:read", "crm:notes:write"],
      clients: [{ name: "nightly-digest", displayName: "Nightly digest agent" }],
      tokens: { accessTokenMinutes: { routine: 15 } },
    },
  },
  tokens: {
    accessTokenMinutes: { routine: 60, high: 15, critical: 5 },
    refreshToken: { lifetimeDays: 30, rotation: true },
    immediateRevocation: ["critical"],
  },
  consent: { reconsentDays: { high: 90, critical: 30 } },
  groups: {
    "sales-reps": {
      description: "Sales representatives",
      idpGroup: "CRM Sales",
      scopes: ["crm:customers:write", "crm:deals:write", "crm:contacts:write", "crm:notes:write", "crm:deals:close"],
    },
    "sales-ops": {
      description: "Sales operations",
      idpGroup: "CRM Sales Ops",
      scopes: ["crm:customers:write", "crm:customers:export", "crm:customers:merge", "crm:customers:delete", "crm:contacts:bulk_email", "crm:deals:write"],
    },
    "crm-admins": {
      description: "CRM administrators",
      idpGroup: "CRM Admins",
      scopes: ["crm:settings:write", "crm:billing:write", "crm:customers:read"],
    },
  },
  claims: {
    tenant: { claim: "org_id", required: false },
    agent: { claim: "act" },
  },
  dev: {
    users: [
      { username: "alice", name: "Alice Admin", email: "alice@example.test", groups: ["crm-admins", "sales-ops"] },
      { username: "bob", name: "Bob Sales", email: "bob@example.test", groups: ["sales-reps"] },
    ],
  },
});
