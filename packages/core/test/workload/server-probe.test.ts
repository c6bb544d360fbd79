import { describe, expect, it } from "vitest";
import type { Container, Pod, Probe } from "../../src/api/index.ts";
import { ms, s } from "../../src/engine/index.ts";
import { appReadinessProbe, probeAction, RequestServer } from "../../src/workload/index.ts";
import { wire } from "./helpers.ts";

const probe = (p: Partial<Probe>): Probe => ({
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  ...p,
});
const container = (readinessProbe: Probe): Container => ({
  name: "app",
  ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
  readinessProbe,
});

describe("probeAction", () => {
  it("resolves a named port in the probed container's own ports, and fails an unknown name", () => {
    // why: prober.go — findPortByName searches the container's ports; an unknown name is an error.
    expect(probeAction(probe({ httpGet: { port: "http" } }), container(probe({})))).toEqual({
      kind: "httpGet",
      port: 8080,
    });
    expect(probeAction(probe({ tcpSocket: { port: "admin" } }), container(probe({})))).toEqual({
      kind: "unresolved",
      port: "admin",
    });
    expect(probeAction(probe({ exec: { command: ["true"] } }), container(probe({})))).toEqual({ kind: "exec" });
    expect(probeAction(probe({ grpc: { port: 9000 } }), container(probe({})))).toEqual({ kind: "grpc", port: 9000 });
  });
});

describe("appReadinessProbe", () => {
  it("asks the namespace's sockets and the application behind the port", () => {
    const w = wire();
    const pod = {} as Pod;
    const fn = appReadinessProbe(() => w.server);
    const httpGet = container(probe({ httpGet: { port: 8080 } }));
    const tcp = container(probe({ tcpSocket: { port: 8080 } }));
    // Nothing listens yet: connection refused for both kinds.
    expect(fn(pod, 0 as never, httpGet)).toBe(false);
    expect(fn(pod, 0 as never, tcp)).toBe(false);
    const srv = new RequestServer({
      pod: "default/web",
      netns: w.server,
      scheduler: w.sched,
      rng: w.rng,
      protocol: "TCP",
      port: 8080,
      responseBytes: 10,
      serviceTime: ms(1),
    });
    expect(fn(pod, 0 as never, tcp)).toBe(true);
    const outcome = fn(pod, 0 as never, httpGet);
    expect(typeof outcome).toBe("function");
    const answers: boolean[] = [];
    if (typeof outcome === "function") outcome((ok) => answers.push(ok));
    w.sched.runUntil(s(1));
    expect(answers).toEqual([true]);
    // A Pod whose namespace is gone cannot be probed.
    expect(appReadinessProbe(() => undefined)(pod, 0 as never, tcp)).toBe(false);
    void srv;
  });
});
