import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ms, s, us } from "../../src/engine/index.ts";
import { modelTimeout, RttEstimator, type TcpErrno, type TcpSocket, TcpStack } from "../../src/workload/index.ts";
import { SERVER_IP, type WireFilter, wire } from "./helpers.ts";

/** A server that answers the first request with `response` bytes at once; a client that reads it. */
function download(response: number, filter: WireFilter, seed = 1, latency = us(100)) {
  const w = wire({ filter, seed, latency });
  const received: { bytes: number; t: number }[] = [];
  const errors: TcpErrno[] = [];
  const server: TcpSocket[] = [];
  TcpStack.of(w.server, w.sched, w.rng).listen(80, (sock) => {
    server.push(sock);
    sock.handlers = {
      message: (_m, _b, s) => s.send(response, "response"),
      peerClosed: (s) => s.close(),
      error: (e) => errors.push(e),
    };
  });
  const client = TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 80, {
    handlers: {
      connected: (s) => s.send(100, "request"),
      message: (_m, bytes, s) => {
        received.push({ bytes, t: w.sched.now });
        s.close();
      },
      error: (e) => errors.push(e),
    },
  });
  return { w, received, errors, client, server };
}

describe("RTO as Linux computes it (tcp_rtt_estimator, tcp_set_rto)", () => {
  it("starts at 1 s and becomes srtt + max(2·rtt, TCP_RTO_MIN) after the first sample, in whole ms", () => {
    const est = new RttEstimator(ms(200), s(120), s(1));
    expect(est.rto).toBe(1e9);
    // First sample m: srtt = m, rttvar = max(2m, 200 ms); 200 µs → 200.2 ms, rounded up to a jiffy (HZ=1000).
    est.sample(200_000, 1, 1);
    expect(est.rto).toBe(201e6);
    // A 100 ms path: rttvar = max(200 ms, 200 ms) → 300 ms.
    const wan = new RttEstimator(ms(200), s(120), s(1));
    wan.sample(100e6, 1, 1);
    expect(wan.rto).toBe(300e6);
  });

  it("gives up after tcp_retries2 = 15 when 924.6 s have passed since the first retransmission (tcp_model_timeout)", () => {
    // ilog2(120 s / 200 ms) = 9: (2^10 − 1) × 0.2 s + (15 − 9) × 120 s = 204.6 + 720.
    expect(modelTimeout(15, ms(200), s(120))).toBe(924.6e9);
    // Orphaned sockets: 8 retries → (2^9 − 1) × 0.2 s = 102.2 s.
    expect(modelTimeout(8, ms(200), s(120))).toBe(102.2e9);
  });
});

describe("data retransmission", () => {
  it("resends a lost segment when the RTO expires, and delivers the message once", () => {
    // Drop the second data segment of the response (the 7th packet on the wire:
    // S, S., ., request, ACK, seg1, seg2).
    const { w, received } = download(5000, (_pkt, i) => (i === 6 ? "drop" : "deliver"));
    w.sched.runUntil(s(2));
    const data = w.log.filter((r) => r.dir === "<" && r.data > 0);
    expect(data.map((r) => [r.t, r.data, r.dropped])).toEqual([
      [300_000, 1448, false],
      [300_000, 1448, true],
      [300_000, 1448, false],
      [300_000, 656, false],
      // The server's srtt is 200 µs (from its SYN-ACK), so RTO = 201 ms; the
      // timer restarts when segment 1's ACK arrives at 500 µs (RFC 6298 5.3):
      // 500 µs + 201 ms. Two duplicate ACKs are fewer than tcp_reordering (3),
      // so only the timeout recovers; cwnd = 1 resends just the hole.
      [201_500_000, 1448, false],
    ]);
    // The hole is filled 100 µs later: the whole response is there at once.
    expect(received).toEqual([{ bytes: 5000, t: 201_600_000 }]);
  });

  it("fast-retransmits on the third duplicate ACK, long before the RTO", () => {
    // 10 segments; the second is lost: segments 3..10 each draw a duplicate ACK.
    const { w, received } = download(10 * 1448, (_pkt, i) => (i === 6 ? "drop" : "deliver"));
    w.sched.runUntil(s(2));
    const resent = w.log.filter((r) => r.dir === "<" && r.data > 0).slice(10);
    // The third duplicate ACK reaches the server one round trip after the burst
    // (sent at 300 µs, ACKed at 400 µs, back at 500 µs).
    expect(resent.map((r) => [r.t, r.data])).toEqual([[500_000, 1448]]);
    expect(received).toEqual([{ bytes: 14480, t: 600_000 }]);
  });

  it("backs off the data RTO exponentially and resets the connection after tcp_retries2 (ETIMEDOUT)", () => {
    // Everything the server sends after the handshake is lost.
    const { w, errors, client, server } = download(1000, (pkt, i) =>
      pkt.src === SERVER_IP && i > 4 ? "drop" : "deliver",
    );
    let closedAt = -1;
    const serverClosedAt = () => closedAt;
    w.sched.runUntil(s(1));
    (server[0] as TcpSocket).handlers.closed = () => {
      closedAt = w.sched.now;
    };
    w.sched.runUntil(s(2000));
    const sends = w.log.filter((r) => r.dir === "<" && r.data > 0).map((r) => r.t);
    const gaps = sends.slice(1).map((t, i) => t - (sends[i] as number));
    // RTO 201 ms (srtt 200 µs + TCP_RTO_MIN, whole ms) doubling per timeout,
    // capped at TCP_RTO_MAX = 120 s.
    expect(gaps).toEqual([
      201e6, 402e6, 804e6, 1608e6, 3216e6, 6432e6, 12864e6, 25728e6, 51456e6, 102912e6, 120e9, 120e9, 120e9, 120e9,
      120e9,
    ]);
    // 15 retransmissions = tcp_retries2: they span 205.623 s + 5 × 120 s =
    // 805.623 s; the next timeout, 925.623 s after the first send, is the first
    // past tcp_model_timeout = 924.6 s, and the connection is dropped there.
    expect(sends.at(-1)! - sends[0]!).toBe(805_623e6);
    expect(serverClosedAt() - sends[0]!).toBe(925_623e6);
    expect(server[0]?.state).toBe("CLOSED");
    expect(errors).toEqual(["ETIMEDOUT"]);
    // The client never hears of it: it stays ESTABLISHED (no keepalive).
    expect(client?.state).toBe("ESTABLISHED");
  });
});

describe("delivery under seeded random loss (property)", () => {
  it("delivers every message exactly once and in order, whatever is lost", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 0.4, noNaN: true }), (seed, p) => {
        const w = wire({ seed, filter: () => (w.rng.stream("test/loss").next() < p ? "drop" : "deliver") });
        const got: number[] = [];
        let server: TcpSocket | undefined;
        TcpStack.of(w.server, w.sched, w.rng).listen(80, (sock) => {
          server = sock;
          sock.handlers = { message: (m, b, s) => s.send(b * 3, (m as number) * 10), peerClosed: (s) => s.close() };
        });
        const client = TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 80, {
          handlers: {
            connected: (s) => {
              for (let i = 1; i <= 5; i++) s.send(700 * i, i);
            },
            message: (m) => got.push(m as number),
          },
        });
        w.sched.runUntil(s(3000));
        // Either all five answers arrived in order, or an end gave up after its
        // retry limits (heavy loss); never a gap, a duplicate or a reorder.
        expect(got).toEqual([10, 20, 30, 40, 50].slice(0, got.length));
        if (client?.error === undefined && server?.error === undefined) expect(got).toHaveLength(5);
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});
