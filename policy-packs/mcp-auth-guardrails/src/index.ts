// Entry point that Pulumi runs: constructing the PolicyPack starts its gRPC server. Tests import
// `./policies.js` instead.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies.js";

new PolicyPack("mcp-auth-guardrails", { policies });
