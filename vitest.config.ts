import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
