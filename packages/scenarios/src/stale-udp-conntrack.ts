import { defineScenario, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * Stale UDP conntrack. A statsd-like client sends a datagram every 250 ms
 * from one connected UDP socket — one source port, so one conntrack entry on
 * its node, DNATed to whichever `statsd` Pod the first datagram picked. At
 * 10 s that Pod (statsd-a) is deleted; statsd-b has been ready since ~6 s.
 *
 * kube-proxy's rules stop choosing statsd-a at the next sync, but rules only
 * see a flow's first packet: every later datagram follows the conntrack entry
 * to statsd-a's address. Each one refreshes the entry's 30 s UDP timeout, so
 * with kube-proxy's UDP cleanup switched off (this file) the entry never
 * expires and every datagram after the Pod's removal dies in node-b's podCIDR
 * blackhole, for as long as the client keeps sending. With the cleanup on
 * (`withCleanup` below), the sync that sees statsd-a gone deletes the entry
 * and the next datagram is balanced afresh, to statsd-b.
 */
const STATSD = { app: "statsd" };

const statsdPod = (name: string) =>
  pod(name, { node: "node-b", labels: STATSD, container: "statsd", port: 8125, protocol: "UDP" });

/** The lb.pick events of the statsd Service, in order: one per new flow. */
const picks = (result: unknown) =>
  (result as { trace: { type: string; t: number; service?: string; endpoint?: string }[] }).trace.filter(
    (e) => e.type === "lb.pick" && e.service?.startsWith("default/statsd"),
  );

const scenario = (cleanup: boolean, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: cleanup ? "stale-udp-conntrack-cleanup" : "stale-udp-conntrack",
  description: cleanup
    ? "kube-proxy deletes the stale UDP entry at its next sync: the sender moves to a live Pod."
    : "A UDP sender keeps its conntrack entry to a deleted Pod alive: its datagrams blackhole.",
  seed: 1,
  duration: "30s",
  cluster: {
    nodes: nodes(2),
    proxy: { mode: "iptables", udpConntrackCleanup: cleanup },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    pod("app", { node: "node-a", labels: { app: "app" } }),
    statsdPod("statsd-a"),
    service("statsd", {
      selector: STATSD,
      ports: [{ name: "metrics", protocol: "UDP", port: 8125, targetPort: 8125 }],
    }),
  ],
  workload: {
    servers: [{ selector: STATSD, port: 8125, protocol: "UDP", reply: false, serviceTime: "0s" }],
    senders: [
      {
        name: "statsd-client",
        from: "app",
        to: { service: "statsd", port: 8125 },
        interval: "250ms",
        start: "2020ms",
      },
    ],
  },
  timeline: [
    { at: "5s", action: "apply", objects: [statsdPod("statsd-b")] },
    { at: "10s", action: "delete-pod", pod: "statsd-a" },
  ],
  expect,
});

// Datagrams leave at 2.02 s + k × 250 ms. statsd-a gets SIGTERM at 10 s and closes its
// socket; it is torn down (veth gone, object deleted) 100 ms later. The 10.02 s datagram
// meets a closed port: ICMP port unreachable, which the connected socket keeps and the
// 10.27 s send() returns instead of sending (__udp4_lib_err, sock_error). From 10.52 s on,
// datagrams follow the entry into node-b's podCIDR blackhole.
const SENT_TO_A = 32; // 2.02 s … 9.77 s
const BLACKHOLED = 78; // 10.52 s … 29.77 s

export default defineScenario(
  scenario(false, [
    { name: "statsd-a got every datagram before its deletion", metric: "pods.statsd-a.requests", value: SENT_TO_A },
    { name: "statsd-b never gets a datagram", metric: "pods.statsd-b.requests", value: 0 },
    { name: "every datagram after statsd-a is gone blackholes", metric: "drops.no-route", value: BLACKHOLED },
    {
      name: "the flow is balanced once, and never again",
      check: (result) => picks(result).length === 1 || `${picks(result).length} lb.pick events`,
    },
  ]),
);

/**
 * The same cluster with kube-proxy's cleanup on. The deletion's first sync
 * (10.05 s) still counts statsd-a as serving (terminating but Ready), so its
 * entry stays; the sync that sees it removed runs at 11.05 s (minSyncPeriod
 * 1 s after the last) and deletes the entry: three datagrams (10.52, 10.77,
 * 11.02 s) blackhole, and from 11.27 s statsd-b gets all 75 that follow.
 */
export const withCleanup = scenario(true, [
  { name: "statsd-a got every datagram before its deletion", metric: "pods.statsd-a.requests", value: SENT_TO_A },
  { name: "statsd-b gets every datagram from 11.27 s", metric: "pods.statsd-b.requests", value: 75 },
  { name: "three datagrams blackhole before the sync", metric: "drops.no-route", value: 3 },
  {
    name: "the flow moves to statsd-b within one sync of statsd-a's removal",
    check: (result) => {
      const [, moved, ...more] = picks(result);
      // 10 s deletion + 100 ms teardown + 50 ms watch delay + 1 s minSyncPeriod + one 250 ms interval.
      if (!moved || more.length > 0 || moved.t > 11.4e9) return `picks: ${JSON.stringify(picks(result))}`;
      return moved.endpoint === "10.244.2.3:8125" || `moved to ${moved.endpoint}`;
    },
  },
]);
