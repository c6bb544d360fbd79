import { describe, expect, it } from "vitest";
import { ms, s, us } from "../../src/engine/index.ts";
import { healthEvents, lbWorld } from "./lb-helpers.ts";

// Fabric one-way latency is 100 µs. An HTTP check: SYN (1 hop), SYN-ACK (2), request (3),
// response (4) → decided 400 µs after it starts. A refused check: SYN, RST → 200 µs.
const HTTP_RTT = us(400);
const RST_RTT = us(200);
const near = (t: number, expected: number) => {
  expect(t).toBeGreaterThanOrEqual(expected);
  expect(t).toBeLessThan(expected + ms(1));
};

describe("health checks against kube-proxy's health servers", () => {
  it("eTP Local: transitions at interval × threshold, 503 where there is no local endpoint", () => {
    const w = lbWorld({
      pods: ["node-a"],
      policy: "Local",
      zones: ["a", "b"],
      lb: {
        provider: "aws-nlb-in-tree",
        healthCheck: {
          interval: s(10),
          timeout: s(2),
          healthyThreshold: 2,
          unhealthyThreshold: 3,
          initialHealthyThreshold: 1,
        },
      },
    });
    // The only Pod goes away at 35 s.
    w.c.scheduler.at(s(35), () => w.c.store.delete("Pod", "default/web-0"));
    w.c.scheduler.at(s(30), () => {
      expect(w.health.get("node-a")?.serviceListeners().get("default/web")?.localEndpoints).toBe(1);
      expect(w.health.get("node-b")?.serviceListeners().get("default/web")?.localEndpoints).toBe(0);
    });
    w.c.scheduler.runUntil(s(100));
    // Checks start at 0 s (the frontend is provisioned at once) and every 10 s.
    // node-a: 0 s refused (the health listener opens at kube-proxy's first sync, 100 ms);
    //   10 s → 200 (Pod ready at 1 s, synced) → initial→healthy (1 pass) at 10 s + HTTP_RTT.
    //   Pod gone at 35 s, synced by ~36.1 s: 40, 50, 60 s → 503 → unhealthy at 60 s + HTTP_RTT.
    // node-b: 0 s refused, 10 s 503, 20 s 503 → 3 failures → unhealthy at 20 s + HTTP_RTT.
    const events = healthEvents(w);
    expect(events.map(([, target, move, result]) => [target, move, result])).toEqual([
      ["node-a", "initial→healthy", "200"],
      ["node-b", "initial→unhealthy", "503"],
      ["node-a", "healthy→unhealthy", "503"],
    ]);
    near(events[0]?.[0] as number, s(10) + HTTP_RTT);
    near(events[1]?.[0] as number, s(20) + HTTP_RTT);
    near(events[2]?.[0] as number, s(60) + HTTP_RTT);
    expect(w.health.get("node-b")?.stats.service503).toBeGreaterThan(0);
    expect(w.health.get("node-b")?.stats.service200).toBe(0);
    expect(w.health.get("node-a")?.stats.service200).toBe(3); // 10, 20, 30 s
  });

  it("a node whose kube-proxy is stopped refuses its checks (RST) and recovers on restart", () => {
    const w = lbWorld({
      pods: ["node-a"],
      policy: "Cluster",
      zones: ["a", "b"],
      lb: { provider: "gcp" },
      level: "packet",
    });
    // GCP: HTTP 10256 /healthz every 8 s, healthy 1, unhealthy 3.
    w.c.scheduler.at(s(5), () => w.c.watches.get("node-b")?.stop());
    w.c.scheduler.at(s(30), () => w.c.watches.get("node-b")?.start());
    w.c.scheduler.runUntil(s(40));
    // Both answer 200 at 0 s (healthz listens from kube-proxy's start) → healthy at HTTP_RTT.
    // node-b: killed at 5 s → 8, 16, 24 s refused → unhealthy at 24 s + RST_RTT.
    // Restarted at 30 s (healthz re-opens at once) → 32 s → 200 → healthy at 32 s + HTTP_RTT.
    const events = healthEvents(w);
    expect(events.map(([, target, move, result]) => [target, move, result])).toEqual([
      ["node-a", "initial→healthy", "200"],
      ["node-b", "initial→healthy", "200"],
      ["node-b", "healthy→unhealthy", "refused"],
      ["node-b", "unhealthy→healthy", "200"],
    ]);
    near(events[1]?.[0] as number, HTTP_RTT);
    near(events[2]?.[0] as number, s(24) + RST_RTT);
    near(events[3]?.[0] as number, s(32) + HTTP_RTT);
    // The kernel's RST (R.) for the closed port 10256, from node-b's host namespace, at 8, 16, 24 s.
    const rsts = w.c.tracer.events.filter(
      (e) =>
        e.type === "pkt.send" &&
        e.node === "node-b" &&
        e.from === "host" &&
        e.pkt.flags?.startsWith("R") === true &&
        e.pkt.src.endsWith(":10256"),
    );
    expect(rsts.map((e) => Math.floor(e.t / s(8)))).toEqual([1, 2, 3]);
  });
});
