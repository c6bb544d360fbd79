/**
 * @svcsim/scenarios — the failure catalogue. Each scenario is its own module
 * (`@svcsim/scenarios/pod-to-pod`); this index lists them for tools and tests.
 */
export const CATALOGUE = ["pod-to-pod"] as const;
