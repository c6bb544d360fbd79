import { describe, expect, it } from "vitest";
import { runWorkloadBench, workloadRound, workloadScenario, workloadTable } from "../workload.ts";

describe("workload bench", () => {
  it("builds the 3-node, 10-Pod scenario with the open-loop Go client", () => {
    const input = workloadScenario({ rate: 1_000, seconds: 60, seed: 1 });
    expect(input.duration).toBe("62s");
    expect(input.cluster.nodes).toHaveLength(3);
    const pods = (input.objects as { kind: string; spec: { replicas?: number } }[]).map((o) =>
      o.kind === "Deployment" ? (o.spec.replicas ?? 0) : o.kind === "Pod" ? 1 : 0,
    );
    expect(pods.reduce((a, b) => a + b, 0)).toBe(10);
    expect(input.workload?.clients?.[0]).toMatchObject({
      kind: "http1",
      agent: { preset: "go-transport" },
      load: { type: "open", rate: 1_000 },
    });
  });

  it("counts what a short run moved, the same at every trace level", () => {
    // 50 requests/s for 2 s of load: about 100 requests, every one answered.
    const input = workloadScenario({ rate: 50, seconds: 2, seed: 1 });
    const off = workloadRound(input, "off");
    const flow = workloadRound(input, "flow");
    expect(off.requests).toBeGreaterThan(50);
    expect(off.requestsOk).toBe(off.requests);
    expect(off.traceEvents).toBe(0);
    expect(flow.traceEvents).toBeGreaterThan(0);
    // Tracing observes; it never changes what is simulated.
    expect([flow.packets, flow.events, flow.requests]).toEqual([off.packets, off.events, off.requests]);
    // Each request is at least a request and a response segment.
    expect(off.packets).toBeGreaterThanOrEqual(2 * off.requests);
    expect(off.packetsPerSimulatedSecond).toBe(off.packets / 4);
  });

  it("runs a tiny configuration end to end and tabulates it", () => {
    const results = runWorkloadBench({ rate: 20, seconds: 1, rounds: 1, flowRounds: 1, warmup: 0, seed: 1 });
    expect(results.rounds.map((r) => r.traceLevel)).toEqual(["off", "flow"]);
    const table = workloadTable(results);
    expect(table).toContain("events / wall s");
    expect(table.split("\n").slice(0, 4)).toHaveLength(4);
  });
});
