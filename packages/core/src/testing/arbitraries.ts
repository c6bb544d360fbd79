import fc from "fast-check";

/** Seeds for scenario runs: safe integers, so every run can be replayed with `--seed`. */
export const arbitraryScenarioSeed = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 2 ** 31 - 1 });
