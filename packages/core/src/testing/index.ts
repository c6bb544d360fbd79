/**
 * @svcsim/core/testing — fast-check arbitraries and invariants for property
 * tests of proxies and load-balancing algorithms.
 */
export { arbitraryScenarioSeed } from "./arbitraries.ts";
