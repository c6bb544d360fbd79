import { describe, expect, it } from "vitest";
import type { Conntrack } from "../../src/conntrack/index.ts";
import { InputError } from "../../src/engine/index.ts";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";
import { runCatalogue } from "./helpers.ts";

/** Two nodes, iptables, a client Pod on a calling the `web` Service whose one Pod is on b. */
const base = (timeline: ScenarioInput["timeline"], extra: Partial<ScenarioInput> = {}): ScenarioInput => ({
  name: "faults",
  duration: "20s",
  cluster: {
    nodes: [
      { name: "a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
    proxy: { mode: "iptables" },
  },
  objects: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "c", labels: { app: "c" } },
      spec: { nodeName: "a", containers: [{ name: "c" }] },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1", labels: { app: "web" } },
      spec: { nodeName: "b", containers: [{ name: "web" }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [
      {
        name: "c",
        from: "c",
        to: { service: "web", port: 80 },
        requests: 16,
        interval: "1s",
        start: "3s",
        timeout: "2s",
        connectTimeout: "1s",
      },
    ],
  },
  timeline,
  ...extra,
});

const run = (input: ScenarioInput) => runScenario(prepareScenario(input, "t.ts"));
const faults = (r: ReturnType<typeof run>) =>
  r.trace.flatMap((e) => (e.type === "fault" ? [`${e.t / 1e9} ${e.node} ${e.fault}`] : []));

describe("fault actions", () => {
  it("rejects a fault naming an unknown node, naming the path", () => {
    const input = base([{ at: "1s", action: "kill-proxy", node: "x" }]);
    expect(() => prepareScenario(input, "t.ts")).toThrow(InputError);
    try {
      prepareScenario(input, "t.ts");
    } catch (e) {
      expect((e as InputError).problems).toEqual(['t.ts: timeline[0].node: no node named "x" (cluster.nodes: a, b)']);
    }
    const link = base([{ at: "1s", action: "link", a: "a", b: "z", latency: "1ms" }]);
    expect(() => prepareScenario(link, "t.ts")).toThrow(/timeline\[0\]\.b: no node named "z"/);
  });

  it("kill-proxy freezes a node's syncs; restart-proxy resyncs fully", () => {
    const r = run(
      base([
        { at: "5s", action: "kill-proxy", node: "a" },
        { at: "9s", action: "restart-proxy", node: "a" },
      ]),
    );
    expect(faults(r)).toEqual(["5 a proxy-killed", "9 a proxy-restarted"]);
    const syncsA = r.trace.filter((e) => e.type === "sync" && e.node === "a");
    // Nothing changes in the API after 1.05 s, so no sync at all while it is dead; the
    // restart's LIST lands one watch delay (50 ms) later with a full sync.
    expect(syncsA.some((e) => e.t > 5e9 && e.t < 9e9)).toBe(false);
    const after = syncsA.find((e) => e.t >= 9e9);
    expect(after?.t).toBe(9.05e9);
    expect(after?.type === "sync" && after.full).toBe(true);
    expect(r.metrics.requests.ok).toBe(16);
  });

  it("kill-proxy on a dead kube-proxy is a scenario error", () => {
    const input = base([
      { at: "5s", action: "kill-proxy", node: "a" },
      { at: "6s", action: "kill-proxy", node: "a" },
    ]);
    expect(() => run(input)).toThrow(/timeline\[1\] \(kill-proxy\): kube-proxy on a is not running/);
  });

  it("node-down drops everything at the node and marks its Pods not ready after the grace period", () => {
    const r = run(base([{ at: "5s", action: "node-down", node: "b" }], { duration: "60s" }));
    // Requests at 3 and 4 s succeed; from 5 s every SYN dies at b: 16 - 2 = 14 time out.
    expect(r.metrics.requests.ok).toBe(2);
    expect(r.metrics.drops["node-down"]).toBeGreaterThan(0);
    // 5 s + nodeMonitorGracePeriod 50 s.
    expect(faults(r)).toEqual(["5 b node-down", "55 b node-not-ready"]);
    const pod = r.cluster.store.get("Pod", "default/web-1");
    expect(pod?.status.conditions.find((c) => c.type === "Ready")?.status).toBe("False");
    const slice = r.cluster.store.list("EndpointSlice")[0];
    expect(slice?.endpoints[0]?.conditions.ready).toBe(false);
  });

  it("node-up before the grace period leaves the Pods ready and the traffic back", () => {
    const r = run(
      base([
        { at: "5s", action: "node-down", node: "b" },
        { at: "10s", action: "node-up", node: "b" },
      ]),
    );
    expect(faults(r)).toEqual(["5 b node-down", "10 b node-up"]);
    // 3, 4 ok; 5..9 lost (5 requests); 10..18 ok (9).
    expect(r.metrics.requests.ok).toBe(11);
  });

  it("link changes latency and loss of one pair", () => {
    const r = run(base([{ at: "2s", action: "link", a: "a", b: "b", latency: "10ms" }]));
    // One request: SYN, SYN-ACK, ACK+request, response cross the link: 2 RTTs ≈ 40 ms + ~1 ms.
    const latency = r.metrics.latencyNs.p50;
    expect(latency).toBeGreaterThan(40e6);
    expect(latency).toBeLessThan(45e6);
    const lossy = run(base([{ at: "2s", action: "node-links", node: "a", loss: 1 }]));
    expect(lossy.metrics.requests.ok).toBe(0);
    expect(lossy.metrics.drops["link-loss"]).toBeGreaterThan(0);
  });

  it("crash-pod removes the Pod at once without a FIN; conntrack-flush empties the table", () => {
    const r = run(
      base([
        { at: "5500ms", action: "conntrack-flush", node: "a" },
        { at: "8s", action: "crash-pod", pod: "web-1" },
      ]),
    );
    expect(r.cluster.store.get("Pod", "default/web-1")).toBeUndefined();
    const flush = r.trace.find((e) => e.type === "fault" && e.fault === "conntrack-flush");
    // Requests at 3, 4, 5 s each leave one TCP entry (TIME_WAIT, 120 s) on a.
    expect(flush?.type === "fault" && flush.detail).toBe("conntrack -F: 3 entries deleted");
    // 3..7 ok (5); after the crash the Service has no endpoint: REJECTed, refused.
    expect(r.metrics.requests.ok).toBe(5);
    expect(() => run(base([{ at: "8s", action: "crash-pod", pod: "nope" }]))).toThrow(
      /Pod default\/nope does not exist/,
    );
  });
});

describe("conntrack limits", () => {
  const table = (r: ReturnType<typeof run>, node: string) =>
    (r.cluster.network.node(node).proxy as unknown as { conntrack: Conntrack }).conntrack;

  it("defaults nf_conntrack_max to kube-proxy's max(32768 × cpus, 131072)", () => {
    const input = base([], { duration: "1s" });
    input.cluster.nodes = [
      { name: "a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24", cpus: 2 },
      { name: "b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24", cpus: 8, conntrackMax: 5000 },
    ];
    const r = run(input);
    expect(table(r, "a").config.max).toBe(131072); // 32768 × 2 < 131072
    expect(table(r, "a").config.hashsize).toBe(32768);
    expect(table(r, "b").config.max).toBe(5000); // the node's own sysctl wins
    const eight = base([], { duration: "1s" });
    eight.cluster.nodes[0] = { ...eight.cluster.nodes[0], cpus: 8 } as (typeof eight.cluster.nodes)[0];
    eight.cluster.conntrack = { tcpTimeWait: "30s" };
    const r8 = run(eight);
    expect(table(r8, "a").config.max).toBe(262144); // 32768 × 8
    expect(table(r8, "a").config.timeouts.tcpTimeWait).toBe(30);
    expect(table(r8, "a").config.timeouts.tcpEstablished).toBe(86400);
  });

  it("a full table drops new flows as conntrack-full; a roomy one does not", () => {
    const full = base([], { duration: "10s" });
    // Requests at 3, 4 and 5 s each leave one ASSURED entry (TIME_WAIT, 120 s) on a: the
    // table of 3 is then full, the allocation path's early drop spares ASSURED entries,
    // and the SYNs of the requests at 6 … 9 s die as conntrack-full: they time out.
    full.cluster.nodes[0] = { ...full.cluster.nodes[0], conntrackMax: 3 } as (typeof full.cluster.nodes)[0];
    const r = run(full);
    const outcome = (t: number) => r.workload.records.find((x) => x.start === t * 1e9)?.error ?? "ok";
    expect([3, 4, 5, 6, 7, 8, 9].map(outcome)).toEqual([
      "ok",
      "ok",
      "ok",
      "connect-timeout",
      "connect-timeout",
      "connect-timeout",
      "connect-timeout",
    ]);
    const drops = r.trace.filter((e) => e.type === "pkt.drop");
    expect(drops[0]?.t).toBe(6e9 + 5e3); // the first SYN, after the 5 µs veth
    expect(new Set(drops.map((e) => e.type === "pkt.drop" && e.reason))).toEqual(new Set(["conntrack-full"]));
    const roomy = run(base([], { duration: "10s" }));
    expect(roomy.metrics.drops.total).toBe(0);
  });

  it("the catalogue's conntrack-table-full fails without the small table", async () => {
    const r = await runCatalogue("conntrack-table-full.ts");
    expect(r.passed).toBe(true);
    const roomy = prepareScenario(
      {
        ...(await import("../../../scenarios/src/conntrack-table-full.ts")).roomy,
        expect: (await import("../../../scenarios/src/conntrack-table-full.ts")).default.expect,
      },
      "t.ts",
    );
    expect(runScenario(roomy).passed).toBe(false);
  });
});
