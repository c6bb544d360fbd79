import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../../scenarios/src/index.ts";
import { CATALOGUE as DIR, runCatalogue } from "./helpers.ts";

describe("the scenario catalogue", () => {
  it("lists every scenario file", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.slice(0, -3))
      .sort();
    expect([...CATALOGUE].sort()).toEqual(files);
  });

  for (const name of CATALOGUE) {
    it(`${name} runs and meets its expectations`, async () => {
      // At svcsim run's own trace level: some expectations read the trace.
      const result = await runCatalogue(`${name}.ts`);
      const failed = result.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
      expect(failed).toEqual([]);
      expect(result.expectations.length).toBeGreaterThan(0);
    });
  }
});
