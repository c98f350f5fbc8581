import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The policy pack imports the toolkit by its package name, as it does when built outside this repository.
  resolve: { alias: { "pulumi-mcp-auth": fileURLToPath(new URL("./components/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts", "policy-packs/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
