/**
 * @svcsim/scenarios — the failure catalogue. Each scenario is its own module
 * (`@svcsim/scenarios/clusterip-walk`); this index lists them for tools and tests.
 */

/** Scenarios that `svcsim run` runs as they are, each with passing expectations. */
export const CATALOGUE = [
  "pod-to-pod",
  "clusterip-walk",
  "selector-typo",
  "session-affinity",
  "targetport-mismatch",
  "http1-keepalive-scaleout",
  "ndots-amplification",
  "dns-coredns-rollout",
] as const;

/**
 * Scenarios that still run only from a core test, waiting for a schema field:
 * stale-udp-conntrack needs `workload.senders` (its test installs the UDP
 * sender by hand: packages/core/test/workload/server-stale-udp.test.ts).
 */
export const PENDING = ["stale-udp-conntrack"] as const;
