import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import { GO_TRANSPORT, http1AgentConfig, NODE_AGENT, NODE_GLOBAL_AGENT } from "../../src/workload/index.ts";
import { http1World, synsOf } from "./http1-helpers.ts";

const portsOf = (records: { localPort?: number }[]) => records.map((r) => r.localPort);

describe("HTTP/1.1 agent: keep-alive reuse", () => {
  it("carries sequential requests on one connection, one request at a time", () => {
    const world = http1World(GO_TRANSPORT);
    for (let i = 0; i < 5; i++) world.request(s(i));
    world.w.sched.runUntil(s(10));
    expect(world.records.every((r) => r.error === undefined)).toBe(true);
    // One handshake for all five; the first request is the connection's first use.
    expect(synsOf(world)).toHaveLength(1);
    expect(new Set(portsOf(world.records)).size).toBe(1);
    expect(world.records.map((r) => r.reused)).toEqual([false, true, true, true, true]);
    // A reused request skips the handshake: request 100 µs + 2 ms service + response 100 µs.
    const second = world.records[1];
    expect((second?.end ?? 0) - (second?.start ?? 0)).toBe(2_200_000);
    // The server saw one connection and answered five requests on it.
    expect(world.server.listener?.accepted).toBe(1);
    expect(world.server.served).toBe(5);
  });

  it("with keep-alive off (Go's DisableKeepAlives) dials once per request and closes after each", () => {
    const world = http1World(http1AgentConfig("go-transport", { keepAlive: false }));
    for (let i = 0; i < 3; i++) world.request(s(i));
    world.w.sched.runUntil(s(5));
    expect(synsOf(world)).toHaveLength(3);
    expect(world.agent.open).toBe(0);
    expect(world.records.map((r) => r.reused)).toEqual([false, false, false]);
  });
});

describe("HTTP/1.1 agent: the idle list", () => {
  // Five requests at once, then silence: five connections are dialed; when they are
  // freed, Go keeps DefaultMaxIdleConnsPerHost = 2 and closes the rest
  // (tryPutIdleConn → errTooManyIdleHost); Node keeps up to maxFreeSockets = 256.
  it("Go keeps two idle connections per host and closes the others", () => {
    const world = http1World(GO_TRANSPORT);
    for (let i = 0; i < 5; i++) world.request(0 as Nanos);
    world.w.sched.runUntil(s(1));
    expect(synsOf(world)).toHaveLength(5);
    expect(world.agent.stats.closedIdleLimit).toBe(3);
    expect(world.agent.idleCount).toBe(2);
    expect(world.agent.open).toBe(2);
  });

  it("Node's agent keeps every freed socket up to maxFreeSockets", () => {
    const world = http1World(NODE_AGENT);
    for (let i = 0; i < 5; i++) world.request(0 as Nanos);
    world.w.sched.runUntil(s(1));
    expect(world.agent.idleCount).toBe(5);
    expect(world.agent.stats.closedIdleLimit).toBe(0);
  });

  it("LIFO reuses the most recently freed connection; FIFO the oldest", () => {
    // Two connections, freed at different times (service 2 ms vs 2 ms + 1 ms later start);
    // then three sequential requests.
    const pattern = (scheduling: "lifo" | "fifo") => {
      const world = http1World(http1AgentConfig("node-agent", { scheduling }));
      world.request(0 as Nanos);
      world.request(ms(1));
      for (let i = 1; i <= 3; i++) world.request(s(i));
      world.w.sched.runUntil(s(5));
      const [a, b, ...later] = world.records;
      return { a: a?.localPort, b: b?.localPort, later: portsOf(later) };
    };
    const lifo = pattern("lifo");
    // The idle list after the burst is [a, b] (b freed last): LIFO takes b every time.
    expect(lifo.later).toEqual([lifo.b, lifo.b, lifo.b]);
    const fifo = pattern("fifo");
    // FIFO takes the head and puts it back at the tail: a, b, a.
    expect(fifo.later).toEqual([fifo.a, fifo.b, fifo.a]);
  });

  it("closes a connection idle past the idle timeout (Node's globalAgent: 5 s)", () => {
    const world = http1World(NODE_GLOBAL_AGENT);
    world.request(0 as Nanos);
    world.request(s(4)); // idle 4 s: reused
    world.request(s(10)); // idle ~6 s: its connection was closed at ~9 s; a new one is dialed
    world.w.sched.runUntil(s(12));
    expect(world.records.map((r) => r.reused)).toEqual([false, true, false]);
    expect(world.agent.stats.closedIdleTimeout).toBe(1);
    expect(synsOf(world)).toHaveLength(2);
    // The client closed first: its FIN leaves 5 s after the second response, which came
    // 2.2 ms after 4 s on the reused connection (no handshake).
    const fin = world.w.log.find((r) => r.dir === ">" && r.flags.includes("F"));
    expect(fin?.t).toBe(s(4) + 2_200_000 + s(5));
  });

  it("drops an idle connection the server closes", () => {
    const world = http1World(GO_TRANSPORT);
    world.request(0 as Nanos);
    world.w.sched.at(s(1), () => world.server.sigterm(() => {}));
    world.w.sched.runUntil(s(2));
    // Go's Server.Shutdown closes idle connections at once: FIN; the agent forgets the connection.
    expect(world.agent.stats.closedByServer).toBe(1);
    expect(world.agent.open).toBe(0);
  });
});

describe("HTTP/1.1 agent: limits and queueing", () => {
  it("queues requests beyond maxSocketsPerHost and serves them in arrival order", () => {
    const world = http1World(http1AgentConfig("node-agent", { maxSocketsPerHost: 2 }));
    for (let i = 0; i < 5; i++) world.request(0 as Nanos);
    world.w.sched.runUntil(s(1));
    expect(synsOf(world)).toHaveLength(2);
    // Two dials (200 µs handshake) then 2.2 ms per request: rounds end at 2.4, 4.6, 6.8 ms;
    // requests 3 and 4 take the connections freed by 1 and 2, request 5 the first freed again.
    expect(world.records.map((r) => r.end)).toEqual([2_400_000, 2_400_000, 4_600_000, 4_600_000, 6_800_000]);
    expect(world.agent.open).toBe(2);
  });

  it("Go hands a connection freed during a dial to the waiting request; the dial joins the pool", () => {
    // Request 1 holds connection A until its response reaches the client at 2.4 ms.
    // Request 2 arrives at 2.3 ms, finds no idle connection and dials; A is freed
    // 100 µs later, before the new handshake (200 µs) completes, so Go hands A to
    // request 2 (tryPutIdleConn delivers to the waiting wantConn first).
    const world = http1World(GO_TRANSPORT);
    world.request(0 as Nanos);
    world.request(2_300_000 as Nanos); // A's response reaches the client at 2.4 ms
    world.w.sched.runUntil(s(1));
    const [first, second] = world.records;
    expect(second?.localPort).toBe(first?.localPort);
    expect(second?.reused).toBe(true);
    // The dial made for request 2 completed anyway and sits idle: two connections.
    expect(synsOf(world)).toHaveLength(2);
    expect(world.agent.idleCount).toBe(2);
  });

  it("Node's dial belongs to its request: the freed connection goes idle instead", () => {
    const world = http1World(NODE_AGENT);
    world.request(0 as Nanos);
    world.request(2_300_000 as Nanos);
    world.w.sched.runUntil(s(1));
    const [first, second] = world.records;
    expect(second?.localPort).not.toBe(first?.localPort);
    expect(second?.reused).toBe(false);
  });
});

describe("HTTP/1.1 agent: failures", () => {
  it("closes the connection under a request whose deadline passes", () => {
    const world = http1World(GO_TRANSPORT, { serviceTime: s(10) });
    world.request(0 as Nanos, s(1));
    world.w.sched.runUntil(s(2));
    expect(world.records[0]).toMatchObject({ error: "timeout", end: s(1) });
    expect(world.agent.open).toBe(0);
    expect(world.w.log.find((r) => r.t === s(1))?.flags).toBe("F.");
  });

  it("Go retries a request that failed on a reused connection; Node reports it", () => {
    const run = (config: typeof GO_TRANSPORT) => {
      const world = http1World(config, { serviceTime: ms(10) });
      world.request(0 as Nanos);
      world.request(s(1));
      // The server process dies while request 2 is in service (its bytes were read): FIN.
      world.w.sched.at((s(1) + ms(5)) as Nanos, () => {
        world.server.sigkill();
        world.startServer();
      });
      world.w.sched.runUntil(s(2));
      return world;
    };
    const go = run(GO_TRANSPORT);
    expect(go.records[1]).toMatchObject({ attempts: 2, reused: false, pod: "default/server" });
    expect(go.records[1]?.error).toBeUndefined();
    expect(go.agent.stats.retries).toBe(1);
    const node = run(NODE_AGENT);
    expect(node.records[1]).toMatchObject({ attempts: 1, reused: true, error: "closed" });
  });

  it("reports a refused dial to its request", () => {
    const world = http1World(GO_TRANSPORT);
    world.server.close();
    world.request(0 as Nanos);
    world.w.sched.runUntil(s(1));
    expect(world.records[0]).toMatchObject({ error: "refused", end: 200_000 });
    expect(world.agent.open).toBe(0);
  });
});

describe("HTTP/1.1 agent: invariants", () => {
  it("never exceeds its socket and idle limits, and ends every request once", () => {
    fc.assert(
      fc.property(
        fc.record({
          maxSocketsPerHost: fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
          maxIdlePerHost: fc.integer({ min: 0, max: 3 }),
          scheduling: fc.constantFrom("lifo" as const, "fifo" as const),
          lateBinding: fc.boolean(),
          retryReused: fc.boolean(),
          keepAlive: fc.boolean(),
        }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        (limits, arrivalsMs, serviceMs) => {
          const world = http1World({ ...GO_TRANSPORT, ...limits }, { serviceTime: ms(serviceMs) });
          for (const at of arrivalsMs) world.request(ms(at), s(10));
          let worst = { open: 0, idle: 0 };
          for (let t = 0; t <= 500; t++) {
            world.w.sched.at(ms(t / 2), () => {
              worst = {
                open: Math.max(worst.open, world.agent.open),
                idle: Math.max(worst.idle, world.agent.idleCount),
              };
            });
          }
          world.w.sched.runUntil(s(20));
          expect(worst.open).toBeLessThanOrEqual(limits.maxSocketsPerHost);
          expect(worst.idle).toBeLessThanOrEqual(limits.maxIdlePerHost);
          // Nothing fails on a healthy server, and every request ended with its own answer.
          expect(world.records.map((r) => r.error)).toEqual(world.records.map(() => undefined));
          expect(world.server.served).toBe(arrivalsMs.length);
          expect(world.agent.queued).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
