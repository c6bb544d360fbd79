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
  "stale-udp-conntrack",
  "http2-uneven-load",
  "conntrack-table-full",
  "snat-port-exhaustion",
  "kube-proxy-dead-node",
  "internal-traffic-policy-local",
  "etp-local-blackhole",
  "etp-local-uneven-spread",
  "source-ip",
  "clientip-affinity-nat",
] as const;
