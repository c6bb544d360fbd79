import { describe, expect, it } from "vitest";
import type { InputError } from "../../src/engine/index.ts";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";

/** Two nodes, one web Pod on node-b behind a LoadBalancer Service with externalTrafficPolicy Local. */
const base = (edge: Partial<ScenarioInput["cluster"]>, client: Record<string, unknown>): ScenarioInput => ({
  name: "edge",
  duration: "40s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
    ...edge,
  },
  objects: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", labels: { app: "web" } },
      spec: { nodeName: "node-b", containers: [{ name: "web", ports: [{ containerPort: 8080 }] }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        selector: { app: "web" },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    },
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [{ name: "user", requests: 4, interval: "1s", start: "20s", timeout: "3s", ...client }] as never,
  },
});

const problems = (input: unknown) => {
  try {
    prepareScenario(input, "t.ts");
  } catch (error) {
    return (error as InputError).problems;
  }
  return [];
};

const EXTERNAL = { external: { hosts: [{ name: "user" }] } };

describe("edge in the scenario schema", () => {
  it("names the path and what was expected for each mistake", () => {
    expect(problems(base({}, { from: { external: "user" }, to: "192.168.0.11:80" }))).toEqual([
      't.ts: workload.clients[0].from.external: an external client needs a cluster.external block, got "user"',
    ]);
    expect(problems(base(EXTERNAL, { from: { external: "usr" }, to: "192.168.0.11:80" }))).toEqual([
      't.ts: workload.clients[0].from.external: no external host or NAT process by that name (user), got "usr"',
    ]);
    expect(
      problems(base(EXTERNAL, { from: { external: "user" }, to: { service: "web", port: 80, via: "node-port" } })),
    ).toEqual([
      "t.ts: workload.clients[0].to.node: a node-port target needs the node whose address it dials (cluster.nodes: node-a, node-b), got nothing",
    ]);
    expect(
      problems(base({ loadBalancer: { provider: "aws-elb" as never } }, { from: "web", to: "192.168.0.11:80" }))[0],
    ).toMatch(/^t\.ts: cluster\.loadBalancer\.provider: /);
  });

  it("a corporate NAT's processes are clients by name, all with the NAT's address", () => {
    const input = base(
      { external: { nats: [{ name: "corp", ip: "203.0.113.50", processes: 3 }] } },
      { from: { external: "corp-3" }, to: { service: "web", port: 80, via: "node-port", node: "node-b" } },
    );
    expect(problems(input)).toEqual([]);
    const run = runScenario(prepareScenario(input, "t.ts"), { traceLevel: "off" });
    // eTP Local on the Pod's own node: no SNAT, the Pod sees the NAT's address.
    expect(run.metrics.requests).toMatchObject({ total: 4, ok: 4 });
    expect(run.metrics.pods.web?.sources).toEqual({ "203.0.113.50": 4 });
  });

  it("through the load balancer: node-a has no local endpoint, so its checks fail and it gets no flow", () => {
    const input = base(
      { ...EXTERNAL, loadBalancer: { provider: "gcp" } },
      { from: { external: "user" }, to: { service: "web", port: 80, via: "load-balancer" } },
    );
    const run = runScenario(prepareScenario(input, "t.ts"), { traceLevel: "off" });
    // GCP checks every 8 s, healthy after 1 pass, unhealthy after 3 failures: by 20 s
    // node-b (the Pod's node, 200) is healthy and node-a (503) is not.
    const lb = run.metrics.loadBalancers?.web;
    expect(lb?.targets).toMatchObject({ "node-a": { state: "unhealthy" }, "node-b": { state: "healthy" } });
    expect(lb?.perTarget).toEqual({ "node-b": 4 });
    expect(run.metrics.requests).toMatchObject({ total: 4, ok: 4 });
    expect(run.metrics.pods.web?.sources).toEqual({ "203.0.113.1": 4 });
  });
});
