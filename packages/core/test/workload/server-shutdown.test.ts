import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import {
  type AppMessage,
  RequestServer,
  type ServerOptions,
  type TcpErrno,
  type TcpSocket,
  TcpStack,
  UdpSocket,
} from "../../src/workload/index.ts";
import { SERVER_IP, wire } from "./helpers.ts";

type Wire = ReturnType<typeof wire>;

function server(w: Wire, o: Partial<ServerOptions> = {}) {
  return new RequestServer({
    pod: "default/web",
    netns: w.server,
    scheduler: w.sched,
    rng: w.rng,
    protocol: "TCP",
    port: 8080,
    responseBytes: 100,
    serviceTime: ms(10),
    ...o,
  });
}

/** A client connection that records what its application sees. */
function client(w: Wire, requests: number[] = []) {
  const seen: { t: number; what: string; close?: boolean }[] = [];
  const sock = TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 8080, {
    handlers: {
      connected: (c) => {
        for (const id of requests) c.send(50, { kind: "request", id, bytes: 50 } satisfies AppMessage);
      },
      message: (m) => {
        const r = m as AppMessage;
        seen.push({
          t: w.sched.now,
          what: `response ${r.id}`,
          ...(r.kind === "response" && r.close ? { close: true } : {}),
        });
      },
      peerClosed: () => seen.push({ t: w.sched.now, what: "eof" }),
      error: (errno: TcpErrno) => seen.push({ t: w.sched.now, what: errno }),
    },
  }) as TcpSocket;
  return { sock, seen };
}

const serverFlags = (w: Wire, from: number) =>
  w.log.filter((r) => r.dir === "<" && r.t >= from).map((r) => `${r.pkt.dstPort}:${r.flags}`);

describe("RequestServer: SIGTERM with drain", () => {
  it("stops accepting, closes idle connections, answers in-flight work with Connection: close, then exits", () => {
    const w = wire();
    const srv = server(w, { serviceTime: ms(50) });
    const drained: number[] = [];
    srv.onDrain(() => drained.push(w.sched.now));
    const busy = client(w, [1]);
    const idle = client(w);
    w.sched.runUntil(ms(10)); // both connected (RTT 200 µs), request 1 in service until ~50.3 ms
    let exitedAt: number | undefined;
    srv.sigterm(() => {
      exitedAt = w.sched.now;
    });
    expect(srv.draining).toBe(true);
    expect(drained).toEqual([ms(10)]);
    const late = client(w, [2]);
    w.sched.runUntil(s(1));
    // why: Server.Shutdown closes idle connections at once (FIN); the listener is closed, so the
    // kernel answers a new SYN with RST (tcp_v4_rcv no_tcp_socket) → ECONNREFUSED.
    expect(idle.seen).toEqual([{ t: ms(10) + 100_000, what: "eof" }]);
    expect(late.seen.map((e) => e.what)).toEqual(["ECONNREFUSED"]);
    // The in-flight request is answered with Connection: close, then the server's FIN follows.
    expect(busy.seen.map((e) => e.what)).toEqual(["response 1", "eof"]);
    expect(busy.seen[0]?.close).toBe(true);
    // The process exits once its last connection is closed: when the answer is written.
    expect(exitedAt).toBe((busy.seen[0]?.t as number) - 100_000);
    expect(srv.served).toBe(1);
  });

  it("a process that ignores SIGTERM keeps serving; one that exits dies at once", () => {
    const w = wire();
    const srv = server(w, { sigterm: "ignore" });
    let exited = false;
    srv.sigterm(() => {
      exited = true;
    });
    const c = client(w, [1]);
    w.sched.runUntil(s(1));
    expect(c.seen.map((e) => e.what)).toEqual(["response 1"]);
    expect(exited).toBe(false);
    expect(srv.draining).toBe(false);

    const w2 = wire();
    const srv2 = server(w2, { sigterm: "exit" });
    srv2.sigterm(() => {
      exited = true;
    });
    expect(exited).toBe(true);
    const c2 = client(w2, [1]);
    w2.sched.runUntil(s(1));
    expect(c2.seen.map((e) => e.what)).toEqual(["ECONNREFUSED"]);
  });
});

describe("RequestServer: SIGKILL", () => {
  it("resets a connection whose request still waits for a worker, and FINs one whose request is in service", () => {
    // why: tcp.c __tcp_close — data the application never read (the queued request) makes the
    // kernel send RST (RFC 2525 2.17); otherwise close sends FIN. The request in service is
    // never answered, so its client reads EOF.
    const w = wire();
    const srv = server(w, { serviceTime: s(1), workers: 1 });
    const inService = client(w, [1]);
    w.sched.runUntil(ms(5));
    const queued = client(w, [2]);
    w.sched.runUntil(ms(100));
    srv.sigkill();
    w.sched.runUntil(s(5));
    expect(inService.seen).toEqual([{ t: ms(100) + 100_000, what: "eof" }]);
    expect(queued.seen).toEqual([{ t: ms(100) + 100_000, what: "ECONNRESET" }]);
    expect(srv.served).toBe(0);
    const flags = serverFlags(w, ms(100));
    expect(flags).toContain(`${inService.sock.localPort}:F.`);
    expect(flags).toContain(`${queued.sock.localPort}:R.`);
  });
});

describe("RequestServer: crash", () => {
  it("vanishes without a packet: the client only learns by timing out", () => {
    const w = wire();
    const srv = server(w, { serviceTime: s(1) });
    const c = client(w, [1]);
    w.sched.runUntil(ms(100));
    srv.crash();
    w.sched.runUntil(s(30));
    expect(w.log.filter((r) => r.dir === "<" && r.t >= ms(100))).toEqual([]);
    expect(c.seen).toEqual([]);
    expect(c.sock.state).toBe("ESTABLISHED");
    expect(srv.served).toBe(0);
    // A new connection finds nothing listening in the (still reachable, in this wire) namespace.
    const again = client(w, [2]);
    w.sched.runUntil(s(31));
    expect(again.seen.map((e) => e.what)).toEqual(["ECONNREFUSED"]);
  });
});

describe("RequestServer: health requests", () => {
  it("answers a probe when a worker is free, so an overloaded server answers late", () => {
    const w = wire();
    const srv = server(w, { serviceTime: s(2), workers: 1 });
    const answers: [number, boolean][] = [];
    const probe = () => srv.probe((ok) => answers.push([w.sched.now, ok]));
    probe();
    w.sched.runUntil(ms(1));
    client(w, [1]);
    w.sched.runUntil(ms(10));
    probe(); // waits behind request 1 (2 s of service from ~0.3 ms)
    w.sched.runUntil(s(3));
    expect(answers[0]).toEqual([0, true]);
    expect(answers[1]?.[1]).toBe(true);
    expect(answers[1]?.[0]).toBeGreaterThan(s(2));
    srv.sigterm(() => {});
    probe();
    expect(answers[2]).toEqual([s(3), false]);
  });

  it("a UDP sink counts datagrams and answers none", () => {
    const w = wire();
    const srv = server(w, { protocol: "UDP", port: 8125, reply: false, serviceTime: 0 as Nanos });
    const sock = new UdpSocket(w.client);
    sock.connect(SERVER_IP, 8125);
    for (let id = 1; id <= 3; id++) sock.send(20, { kind: "request", id, bytes: 20 } satisfies AppMessage);
    w.sched.runUntil(ms(10));
    expect(srv.served).toBe(3);
    expect(w.log.filter((r) => r.dir === "<")).toEqual([]);
  });
});
