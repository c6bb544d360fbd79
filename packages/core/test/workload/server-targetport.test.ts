import { describe, expect, it } from "vitest";
import mismatch from "../../../scenarios/src/targetport-mismatch.ts";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";

type Obj = { kind?: string; spec?: Record<string, unknown> };

/** The scenario with its Service's targetPort and the container's readiness probe port replaced. */
function variant(targetPort: number, probePort: number | string): ScenarioInput {
  const objects = (mismatch.objects as Obj[]).map((o) => {
    if (o.kind === "Service") return { ...o, spec: { ...o.spec, ports: [{ port: 80, targetPort }] } };
    if (o.kind !== "Deployment") return o;
    const json = JSON.stringify(o).replace(
      '"tcpSocket":{"port":"http"}',
      `"tcpSocket":{"port":${JSON.stringify(probePort)}}`,
    );
    return JSON.parse(json) as Obj;
  });
  return { ...(mismatch as ScenarioInput), objects };
}

const run = (input: ScenarioInput) => runScenario(prepareScenario(input, "targetport-mismatch.ts"));

describe("targetPort mismatch (catalogue scenario)", () => {
  it("every connection is refused by a Pod's kernel while every endpoint is ready", () => {
    const result = run(mismatch as ScenarioInput);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    // why: tcp_v4_rcv finds no socket for 8081 and answers RST (tcp_v4_send_reset); the
    // client in SYN_SENT takes it as ECONNREFUSED. The SYN is the Pod's "no-socket" drop.
    expect(result.metrics.drops["no-socket"]).toBe(20);
    expect(result.workload.records.every((r) => r.remote === "10.96.1.1:80" && r.retransmissions === 0)).toBe(true);
  });

  it("its expectations fail once targetPort names the application's port", () => {
    const result = run(variant(8080, "http"));
    expect(result.metrics.requests.ok).toBe(20);
    expect(result.expectations.filter((e) => !e.ok).map((e) => e.name)).toEqual([
      "every request is refused",
      "no request succeeds",
      "no Pod serves a request",
      "the endpoints look healthy: three, all ready, on port 8081",
    ]);
  });

  it("a readiness probe on the Service's targetPort would have shown it: no endpoint is ready", () => {
    const result = run(variant(8081, 8081));
    const endpoints = result.cluster.store.list("EndpointSlice").flatMap((s) => s.endpoints);
    expect(endpoints.map((e) => e.conditions.ready)).toEqual([false, false, false]);
    // With no ready endpoint kube-proxy REJECTs: still "refused", now by ICMP from the node.
    expect(result.metrics.requests.errors.refused).toBe(20);
    expect(result.metrics.drops["no-socket"] ?? 0).toBe(0);
  });
});
