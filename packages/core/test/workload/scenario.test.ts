import { describe, expect, it } from "vitest";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";

const base = (workload: ScenarioInput["workload"], duration = "20s"): ScenarioInput => ({
  name: "t",
  duration,
  cluster: {
    nodes: [
      { name: "a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
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
      metadata: { name: "s", labels: { app: "s" } },
      spec: { nodeName: "b", containers: [{ name: "s" }] },
    },
  ],
  workload,
});

const run = (input: ScenarioInput) => runScenario(prepareScenario(input, "t.ts"));

describe("workload options in a scenario", () => {
  it("a connect timeout ends a request to an address nobody answers, with the SYNs it sent", () => {
    // 10.244.2.99 is in node b's podCIDR but no Pod has it: every SYN is lost.
    const result = run(
      base({
        clients: [
          {
            name: "c",
            from: "c",
            to: "10.244.2.99:80",
            requests: 1,
            start: "2s",
            connectTimeout: "4s",
            timeout: "30s",
          },
        ],
      }),
    );
    const [record] = result.workload.records;
    // SYNs at 2, 3 and 5 s (RTO 1 s doubling); the application gives up at 2 + 4 s.
    expect(record).toMatchObject({ error: "connect-timeout", start: 2e9, end: 6e9, retransmissions: 2 });
  });

  it("UDP retries use one source port, and the scenario's tcp sysctls reach the Pods' stacks", () => {
    const result = run(
      base(
        {
          tcp: { synRetries: 1 },
          clients: [
            {
              name: "u",
              from: "c",
              to: "10.244.2.99:53",
              protocol: "UDP",
              requests: 1,
              start: "2s",
              timeout: "1s",
              retries: 2,
            },
            { name: "t", from: "c", to: "10.244.2.99:80", requests: 1, start: "2s", timeout: "60s" },
          ],
        },
        "30s",
      ),
    );
    const byClient = Object.fromEntries(result.workload.records.map((r) => [r.client, r]));
    expect(byClient.u).toMatchObject({ error: "timeout", attempts: 3, end: 5e9 });
    // tcp_syn_retries = 1: SYN at 2 s, retransmission at 3 s, ETIMEDOUT at 2 + 1 + 2 = 5 s.
    expect(byClient.t).toMatchObject({ error: "connect-timeout", end: 5e9, retransmissions: 1 });
  });

  it("serves with a worker pool and a lognormal service time drawn from a seeded stream", () => {
    const input = base({
      servers: [
        { selector: { app: "s" }, port: 80, workers: 2, serviceTime: "20ms", serviceTimeDistribution: "lognormal" },
      ],
      clients: [{ name: "c", from: "c", to: { pod: "s", port: 80 }, requests: 20, interval: "5ms", start: "2s" }],
    });
    const one = run(input);
    const two = run(input);
    expect(one.metrics.requests.ok).toBe(20);
    expect(one.metrics.latencyNs).toEqual(two.metrics.latencyNs);
    // Lognormal draws vary: the latencies are not all equal.
    expect(one.metrics.latencyNs.p50).not.toBe(one.metrics.latencyNs.max);
  });
});
