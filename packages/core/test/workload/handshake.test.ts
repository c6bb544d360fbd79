import { describe, expect, it } from "vitest";
import { ms } from "../../src/engine/index.ts";
import { TCP } from "../../src/net/index.ts";
import { TcpStack } from "../../src/workload/index.ts";
import { SERVER_IP, type WireRecord, wire } from "./helpers.ts";

/** A client that writes `request` bytes once connected; a server answering with `response` bytes after 1 ms. */
function exchange(request: number, response: number, config: { timestamps?: boolean } = {}) {
  const w = wire();
  const got: { side: string; message: unknown; bytes: number; t: number }[] = [];
  TcpStack.of(w.server, w.sched, w.rng, config).listen(80, (sock) => {
    sock.handlers = {
      message: (m, bytes, s) => {
        got.push({ side: "server", message: m, bytes, t: w.sched.now });
        w.sched.after(ms(1), () => s.send(response, "response"));
      },
      peerClosed: (s) => s.close(),
    };
  });
  const client = TcpStack.of(w.client, w.sched, w.rng, config).connect(SERVER_IP, 80, {
    handlers: {
      connected: (s) => s.send(request, "request"),
      message: (m, bytes, s) => {
        got.push({ side: "client", message: m, bytes, t: w.sched.now });
        s.close();
      },
    },
  });
  w.sched.runUntil(ms(10));
  return { w, got, client };
}

const rel = (r: WireRecord, base: { c: number; s: number }) => ({
  dir: r.dir,
  flags: r.flags,
  seq: ((r.seq ?? 0) - (r.dir === ">" ? base.c : base.s)) >>> 0,
  ack: r.flags.includes(".") ? ((r.ack ?? 0) - (r.dir === ">" ? base.s : base.c)) >>> 0 : 0,
  data: r.data,
  len: r.len,
});

describe("TCP handshake and segmentation", () => {
  it("cuts a 5000-byte response into 4 segments by the MSS, with byte sequence numbers and cumulative ACKs", () => {
    const { w, got } = exchange(200, 5000);
    const base = { c: w.log[0]?.seq as number, s: w.log[1]?.seq as number };
    const lines = w.log.map((r) => rel(r, base));
    // MSS 1460 (MTU 1500 − 40) less the 12-byte aligned timestamp option that
    // every non-SYN segment carries (tcp_sync_mss → mss_cache): 1448 data bytes,
    // so 5000 = 1448 + 1448 + 1448 + 656 and each full segment is 20 + 32 + 1448
    // = 1500 bytes, the MTU. SYNs carry 20 option bytes (MSS, SACK_PERM, TS,
    // WS): 60 bytes. Relative seq/ack as tcpdump prints them.
    expect(lines).toEqual([
      { dir: ">", flags: "S", seq: 0, ack: 0, data: 0, len: 60 },
      { dir: "<", flags: "S.", seq: 0, ack: 1, data: 0, len: 60 },
      { dir: ">", flags: ".", seq: 1, ack: 1, data: 0, len: 52 },
      { dir: ">", flags: "P.", seq: 1, ack: 1, data: 200, len: 252 },
      { dir: "<", flags: ".", seq: 1, ack: 201, data: 0, len: 52 },
      { dir: "<", flags: ".", seq: 1, ack: 201, data: 1448, len: 1500 },
      { dir: "<", flags: ".", seq: 1449, ack: 201, data: 1448, len: 1500 },
      { dir: "<", flags: ".", seq: 2897, ack: 201, data: 1448, len: 1500 },
      { dir: "<", flags: "P.", seq: 4345, ack: 201, data: 656, len: 708 },
      // Quick-ACK mode (first data): one ACK per segment.
      { dir: ">", flags: ".", seq: 201, ack: 1449, data: 0, len: 52 },
      { dir: ">", flags: ".", seq: 201, ack: 2897, data: 0, len: 52 },
      { dir: ">", flags: ".", seq: 201, ack: 4345, data: 0, len: 52 },
      { dir: ">", flags: ".", seq: 201, ack: 5001, data: 0, len: 52 },
      // The client closes; the server, in CLOSE_WAIT, closes at once: its FIN carries the ACK.
      { dir: ">", flags: "F.", seq: 201, ack: 5001, data: 0, len: 52 },
      { dir: "<", flags: "F.", seq: 5001, ack: 202, data: 0, len: 52 },
      { dir: ">", flags: ".", seq: 202, ack: 5002, data: 0, len: 52 },
    ]);
    // Each message reaches the application once, whole, when its last byte arrives:
    // request at 200 µs (SYN-ACK round trip) + 100 µs; response sent at 1.3 ms, here 100 µs later.
    expect(got).toEqual([
      { side: "server", message: "request", bytes: 200, t: 300_000 },
      { side: "client", message: "response", bytes: 5000, t: 1_400_000 },
    ]);
  });

  it("uses the whole MSS without timestamps (net.ipv4.tcp_timestamps = 0)", () => {
    const { w } = exchange(100, 5000, { timestamps: false });
    const data = w.log.filter((r) => r.dir === "<" && r.data > 0).map((r) => [r.data, r.len]);
    // 5000 = 1460 × 3 + 620; a bare 40-byte header.
    expect(data).toEqual([
      [1460, 1500],
      [1460, 1500],
      [1460, 1500],
      [620, 660],
    ]);
  });

  it("walks both ends through the RFC 793 states to CLOSED, the active closer through TIME_WAIT", () => {
    const { w, client } = exchange(10, 10);
    const states: string[] = [];
    expect(client?.state).toBe("TIME_WAIT");
    // TCP_TIMEWAIT_LEN = 60 s from the moment the server's FIN was acknowledged.
    const enteredAt = w.log.at(-1)?.t as number;
    w.sched.runUntil((enteredAt + 60e9 - 1) as never);
    states.push(client?.state as string);
    w.sched.runUntil((enteredAt + 60e9) as never);
    states.push(client?.state as string);
    expect(states).toEqual(["TIME_WAIT", "CLOSED"]);
    // Only the handshake and FIN segments carry SYN/FIN; nothing is sent after the last ACK.
    expect(w.log.filter((r) => r.pkt.flags & (TCP.SYN | TCP.FIN))).toHaveLength(4);
    expect(w.log.at(-1)?.flags).toBe(".");
  });
});
