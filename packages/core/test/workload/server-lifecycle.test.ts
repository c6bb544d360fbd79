import { describe, expect, it } from "vitest";
import { type Nanos, s } from "../../src/engine/index.ts";
import { prepareScenario, runScenario, type ScenarioInput, startScenario } from "../../src/scenario/index.ts";

type Obj = Record<string, unknown>;

const clientPod: Obj = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "c", labels: { app: "c" } },
  spec: { nodeName: "a", containers: [{ name: "c" }] },
};

function webPod(name: string, container: Obj = {}, grace = 30): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "web" } },
    spec: {
      nodeName: "b",
      terminationGracePeriodSeconds: grace,
      containers: [{ name: "http", ports: [{ containerPort: 8080 }], ...container }],
    },
  };
}

const webService: Obj = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web" },
  spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
};

function scenario(objects: Obj[], extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: "t",
    duration: "20s",
    cluster: {
      nodes: [
        { name: "a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
        { name: "b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
      ],
      proxy: { mode: "iptables", watchDelay: "300ms" },
      clusterCIDR: "10.244.0.0/16",
    },
    objects: [clientPod, ...objects],
    ...extra,
  };
}

const run = (input: ScenarioInput) => runScenario(prepareScenario(input, "t.ts"));

describe("graceful termination through the dataplane", () => {
  // Requests every 20 ms through the ClusterIP; web-1 is deleted at 4 s. Node a's
  // kube-proxy learns of it 300 ms later (watchDelay) and only then stops DNATing to it.
  const traffic = (web1: Obj): ScenarioInput =>
    scenario([webPod("web-1", web1), webPod("web-2"), webService], {
      workload: {
        servers: [{ selector: { app: "web" }, port: 8080 }],
        clients: [
          { name: "c", from: "c", to: { service: "web", port: 80 }, requests: 150, interval: "20ms", start: "3s" },
        ],
      },
      timeline: [{ at: "4s", action: "delete-pod", pod: "web-1" }],
    });

  it("without preStop, connections picked for the Pod before the proxy syncs fail", () => {
    const result = run(traffic({}));
    const failed = result.workload.records.filter((r) => r.error);
    // why: SIGTERM at the deletion closes the listener at once (the app drains, nothing is in
    // flight, so it exits and the Pod is torn down 100 ms later), but node a keeps DNATing new
    // connections to web-1 until its sync at 4.3 s. While web-1 lives its kernel answers those
    // SYNs with RST (ECONNREFUSED); once its veth is gone they meet the podCIDR blackhole and
    // the client's application timeout (5 s) ends them.
    const before = failed.filter((r) => r.start < s(4) + 100e6);
    const after = failed.filter((r) => r.start >= s(4) + 100e6);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    for (const r of before) expect(r.error).toBe("refused");
    for (const r of after) expect(r.error).toBe("timeout");
    for (const r of failed) {
      expect(r.start).toBeGreaterThanOrEqual(s(4));
      expect(r.start).toBeLessThan(s(4) + 300e6);
    }
  });

  it("a preStop sleep longer than the proxy's delay keeps every request working", () => {
    const result = run(traffic({ lifecycle: { preStop: { sleep: { seconds: 2 } } } }));
    expect(result.workload.records.filter((r) => r.error)).toEqual([]);
    // web-1 drained after SIGTERM at 6 s (nothing in flight: node a stopped sending at ~4.3 s),
    // so it is gone long before its 30 s grace period.
    const gone = result.trace.find((e) => e.type === "api" && e.verb === "delete" && e.name === "default/web-1");
    expect(gone?.t).toBeGreaterThanOrEqual(s(6));
    expect(gone?.t).toBeLessThan(s(7));
  });
});

describe("SIGKILL at the end of the grace period", () => {
  it("resets a request still queued and ends the one in service with EOF", () => {
    const result = run(
      scenario([webPod("web-1", {}, 5)], {
        workload: {
          servers: [{ selector: { app: "web" }, port: 8080, workers: 1, serviceTime: "60s" }],
          clients: [
            {
              name: "c",
              from: "c",
              to: { pod: "web-1", port: 8080 },
              requests: 2,
              interval: "10ms",
              start: "3s",
              timeout: "30s",
            },
          ],
        },
        timeline: [{ at: "4s", action: "delete-pod", pod: "web-1" }],
      }),
    );
    const [first, second] = result.workload.records;
    // Draining waits on both requests; SIGKILL comes at 4 + 5 s. why: tcp.c __tcp_close —
    // unread data (the queued request) → RST; the request in service had been read → FIN.
    expect(first).toMatchObject({ error: "closed" });
    expect(second).toMatchObject({ error: "reset" });
    expect(first?.end).toBeGreaterThan(s(9));
    expect(first?.end).toBeLessThan(s(9) + 1e6);
  });
});

describe("a crash", () => {
  it("leaves an in-flight request to time out: no FIN, no RST, nothing leaves the Pod", () => {
    const started = startScenario(
      prepareScenario(
        scenario([webPod("web-1")], {
          workload: {
            servers: [{ selector: { app: "web" }, port: 8080, serviceTime: "5s" }],
            clients: [
              { name: "c", from: "c", to: { pod: "web-1", port: 8080 }, requests: 1, start: "3s", timeout: "10s" },
            ],
          },
        }),
        "t.ts",
      ),
    );
    const { cluster, workload } = started;
    cluster.scheduler.runUntil(s(4));
    const sentBefore = cluster.tracer.stats.endpoints.get("default/web-1")?.sent;
    cluster.lifecycle.crash("default/web-1");
    cluster.scheduler.runUntil(s(20));
    expect(workload.records[0]).toMatchObject({ error: "timeout", end: s(13) });
    expect(cluster.tracer.stats.endpoints.get("default/web-1")?.sent).toBe(sentBefore);
    // The client's retransmissions meet the podCIDR blackhole on node b.
    expect(cluster.tracer.stats.drops.get("no-route")).toBeGreaterThan(0);
  });
});

describe("readiness from the application", () => {
  const probed = (probe: Obj, server: Obj = {}, clients: ScenarioInput["workload"] = {}) =>
    startScenario(
      prepareScenario(
        scenario([webPod("web-1", { readinessProbe: probe }), webService], {
          workload: { servers: [{ selector: { app: "web" }, port: 8080, ...server }], ...clients },
        }),
        "t.ts",
      ),
    );
  const ready = (started: ReturnType<typeof probed>) =>
    started.cluster.store
      .get("Pod", "default/web-1")
      ?.status.conditions.some((c) => c.type === "Ready" && c.status === "True");

  it("a probe on the listening port passes; one on a port nobody listens on never does", () => {
    const good = probed({ tcpSocket: { port: 8080 }, periodSeconds: 1 });
    good.cluster.scheduler.runUntil(s(5));
    expect(ready(good)).toBe(true);
    const wrong = probed({ httpGet: { port: 9090 }, periodSeconds: 1 });
    wrong.cluster.scheduler.runUntil(s(5));
    expect(ready(wrong)).toBe(false);
  });

  it("an overloaded server fails its httpGet probe by timeoutSeconds, and becomes NotReady", () => {
    // One worker, 3 s per request, a request every 500 ms: the queue grows without bound, so
    // a probe waits longer than its 1 s timeout (kubelet default timeoutSeconds 1).
    const started = probed(
      { httpGet: { port: 8080 }, periodSeconds: 2, failureThreshold: 2 },
      { workers: 1, serviceTime: "3s" },
      {
        clients: [
          { name: "c", from: "c", to: { pod: "web-1", port: 8080 }, requests: 40, interval: "500ms", start: "5s" },
        ],
      },
    );
    started.cluster.scheduler.runUntil(s(4));
    expect(ready(started)).toBe(true);
    started.cluster.scheduler.runUntil(s(15));
    expect(ready(started)).toBe(false);
  });

  it("a draining server fails its probe, so its terminating endpoint stops serving", () => {
    // One request in service for 20 s keeps the draining application (and so the Pod) alive.
    const started = probed(
      { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      { serviceTime: "20s" },
      {
        clients: [{ name: "c", from: "c", to: { pod: "web-1", port: 8080 }, requests: 1, start: "3s", timeout: "60s" }],
      },
    );
    const { cluster, workload } = started;
    const conditions = () => cluster.store.list("EndpointSlice")[0]?.endpoints[0]?.conditions;
    cluster.scheduler.runUntil(s(4));
    expect(conditions()).toEqual({ ready: true, serving: true, terminating: false });
    cluster.lifecycle.deletePod("default/web-1");
    cluster.scheduler.runUntil((s(4) + 1) as Nanos);
    // why: endpointslice podToEndpoint — serving follows the Ready condition, ready is never
    // true while terminating; the kubelet keeps probing readiness of a terminating Pod.
    expect(conditions()).toEqual({ ready: false, serving: true, terminating: true });
    // The listener closed at SIGTERM, so the next tcpSocket probe (5 s) is refused: NotReady.
    cluster.scheduler.runUntil(s(6));
    expect(conditions()).toEqual({ ready: false, serving: false, terminating: true });
    cluster.scheduler.runUntil(s(30));
    expect(workload.records[0]).toMatchObject({ pod: "default/web-1" });
    expect(workload.records[0]?.error).toBeUndefined();
    expect(cluster.store.get("Pod", "default/web-1")).toBeUndefined();
  });
});
