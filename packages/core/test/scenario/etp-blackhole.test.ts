import { describe, expect, it } from "vitest";
import local, { cluster, fallback, fastChecks } from "../../../scenarios/src/etp-local-blackhole.ts";
import { resolveLbConfig } from "../../src/edge/index.ts";
import { s } from "../../src/engine/index.ts";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";

const run = (input: ScenarioInput) =>
  runScenario(prepareScenario(input, "etp-local-blackhole.ts"), { traceLevel: "flow" });
const failed = (r: ReturnType<typeof run>) => r.expectations.filter((e) => !e.ok).map((e) => e.name);

describe("catalogue: etp-local-blackhole", () => {
  const runs = { local: run(local), fast: run(fastChecks), cluster: run(cluster), fallback: run(fallback) };

  it("every variant meets its own expectations", () => {
    for (const r of Object.values(runs)) expect(failed(r)).toEqual([]);
  });

  it("halving the health-check interval roughly halves the failures", () => {
    const ratio = runs.fast.metrics.requests.failed / runs.local.metrics.requests.failed;
    // The lag is the wait for the next check plus (threshold − 1) × interval: 17.95 s against 7.95 s here.
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(0.6);
  });

  it("the blackhole's expectations fail where there is no blackhole, and the reverse", () => {
    const swap = (a: ScenarioInput, b: ScenarioInput) => failed(run({ ...a, expect: b.expect }));
    expect(swap(cluster, local)).toContain("about 180 + 2 connections fail (at least −15%)");
    expect(swap(fallback, local)).toContain("kube-proxy drops them as having no local endpoints");
    expect(swap(local, fallback)).toContain("no connection fails");
    expect(swap(local, cluster)).toContain("no Pod sees the client's address: only node IPs (SNAT)");
  });
});

describe("the in-tree AWS NLB preset", () => {
  it("checks a Local Service's healthCheckNodePort every 10 s with thresholds 2, and a Cluster one every 30 s with 3", () => {
    // cloud-provider-aws buildNLBHealthCheckConfiguration: defaults 30/10/3/3, Local 10/10/2/2.
    const cfg = resolveLbConfig({ provider: "aws-nlb-in-tree" });
    expect(cfg.healthCheck).toMatchObject({
      interval: s(30),
      timeout: s(10),
      healthyThreshold: 3,
      unhealthyThreshold: 3,
    });
    expect(cfg.localHealthCheck).toMatchObject({
      interval: s(10),
      timeout: s(10),
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    });
    // The annotations override both.
    const annotated = resolveLbConfig({ provider: "aws-nlb-in-tree", healthCheck: { interval: s(5) } });
    expect([annotated.healthCheck.interval, annotated.localHealthCheck.interval]).toEqual([s(5), s(5)]);
  });
});
