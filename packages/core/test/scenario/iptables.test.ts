import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareScenario, readScenarioFile, runScenario } from "../../src/scenario/index.ts";
import type { TraceEvent } from "../../src/trace/index.ts";
import { CATALOGUE, runCatalogue } from "./helpers.ts";

const ofType = <T extends TraceEvent["type"]>(events: readonly TraceEvent[], type: T) =>
  events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);

describe("iptables mode in a running cluster", () => {
  it("DNATs a ClusterIP on the client's node and un-NATs every reply", async () => {
    const result = await runCatalogue("clusterip-walk.ts", { traceLevel: "packet" });
    expect(result.metrics.requests.ok).toBe(10);
    const clientIp = "10.244.1.2";
    const atClient = ofType(result.trace, "pkt.recv").filter((e) => e.at === "default/client");
    // Per connection the client receives SYN-ACK, the server's immediate ACK of
    // the request (quick-ACK mode after its first data, tcp_event_data_recv),
    // the response (512 B: one segment) and FIN-ACK: 4 × 10 requests.
    expect(atClient.length).toBe(40);
    // The client only ever hears from the ClusterIP: conntrack rewrote every reply's source.
    expect(new Set(atClient.map((e) => e.pkt.src))).toEqual(new Set(["10.96.1.1:80"]));
    // DNAT happens once per connection, on the client's node; un-DNAT once per reply there too.
    const nats = ofType(result.trace, "nat");
    expect(nats.filter((n) => n.kind === "dnat").every((n) => n.node === "node-a")).toBe(true);
    // Client → ClusterIP per connection: SYN, the handshake's ACK, the request,
    // the ACK of the response, FIN, the last ACK (6); replies: the 4 above.
    expect(nats.filter((n) => n.kind === "dnat").length).toBe(10 * 6);
    expect(nats.filter((n) => n.kind === "un-dnat").length).toBe(10 * 4);
    // One backend pick per connection, among the Service's two endpoints.
    const picks = ofType(result.trace, "lb.pick");
    expect(picks).toHaveLength(10);
    expect(picks.every((p) => p.candidates === 2 && p.service === "default/web:http")).toBe(true);
    // No endpoint ever sees the ClusterIP: server Pods receive from the client's Pod IP.
    const atServers = ofType(result.trace, "pkt.recv").filter((e) => e.at.startsWith("default/web-"));
    expect(atServers.every((e) => e.pkt.src.startsWith(`${clientIp}:`) && !e.pkt.dst.startsWith("10.96."))).toBe(true);
  });

  it("spreads new connections over the endpoints with kube-proxy's statistic rules", async () => {
    const served: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = await runCatalogue("clusterip-walk.ts", { seed });
      served.push(
        ...Object.entries(r.metrics.pods)
          .filter(([n]) => n.startsWith("web-"))
          .map(([, p]) => p.requests),
      );
    }
    // 60 connections, p = 1/2 each: both Pods get a share (a 1-in-2^59 event otherwise).
    expect(served.reduce((a, b) => a + b, 0)).toBe(60);
    const [a, b] = [served.filter((_, i) => i % 2 === 0), served.filter((_, i) => i % 2 === 1)].map((xs) =>
      xs.reduce((x, y) => x + y, 0),
    );
    expect(a).toBeGreaterThan(15);
    expect(b).toBeGreaterThan(15);
  });

  it("rejects connections to a Service with no endpoints (refused, not a timeout) until the selector is fixed", async () => {
    const result = await runCatalogue("selector-typo.ts", { traceLevel: "flow" });
    expect(result.passed).toBe(true);
    const drops = ofType(result.trace, "pkt.drop");
    expect(drops.every((d) => d.reason === "no-endpoints" && d.where === "filter KUBE-SERVICES")).toBe(true);
    // A refused request ends within one round trip, not at the 5 s timeout.
    const refused = result.workload.records.filter((r) => r.error === "refused");
    expect(refused.every((r) => (r.end as number) - r.start < 1_000_000)).toBe(true);
  });

  it("keeps a client on one Pod with ClientIP affinity, and spreads it without", async () => {
    const file = resolve(CATALOGUE, "session-affinity.ts");
    const input = (await readScenarioFile(file)) as {
      objects: { kind: string; spec: Record<string, unknown> }[];
      expect: unknown[];
    };
    const sticky = runScenario(prepareScenario(input, file, CATALOGUE));
    expect(sticky.passed).toBe(true);
    // The same scenario without affinity: the expectation must fail, or it proves nothing.
    const plain = structuredClone({ ...input, expect: [] }) as typeof input;
    const svc = plain.objects.find((o) => o.kind === "Service")!;
    svc.spec.sessionAffinity = "None";
    const spread = runScenario(
      prepareScenario({ ...plain, expect: (input as { expect: unknown[] }).expect }, file, CATALOGUE),
    );
    expect(spread.metrics.requests.ok).toBe(20);
    expect(spread.passed).toBe(false);
  });
});
