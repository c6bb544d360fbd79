import { describe, expect, it } from "vitest";
import { ms, s } from "../../src/engine/index.ts";
import { type TcpErrno, type TcpSocket, TcpStack } from "../../src/workload/index.ts";
import { SERVER_IP, type WireFilter, wire } from "./helpers.ts";

interface Options {
  filter?: WireFilter;
  portRange?: { low: number; high: number };
  /** What the server does on a request. */
  onRequest?: (sock: TcpSocket) => void;
  /** Whether the server closes when the client does (default true). */
  serverCloses?: boolean;
}

function setup(o: Options = {}) {
  const w = wire({ filter: o.filter, portRange: o.portRange });
  const errors: { side: string; errno: TcpErrno; t: number }[] = [];
  const servers: TcpSocket[] = [];
  TcpStack.of(w.server, w.sched, w.rng).listen(80, (sock) => {
    servers.push(sock);
    sock.handlers = {
      message: () => o.onRequest?.(sock),
      peerClosed: (s) => {
        if (o.serverCloses !== false) s.close();
      },
      error: (errno) => errors.push({ side: "server", errno, t: w.sched.now }),
    };
  });
  const connect = (handlers: TcpSocket["handlers"] = {}) =>
    TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 80, {
      handlers: { error: (errno) => errors.push({ side: "client", errno, t: w.sched.now }), ...handlers },
    });
  return { w, errors, servers, connect };
}

describe("RST", () => {
  it("an abort() sends RST|ACK and the peer sees ECONNRESET", () => {
    const { w, errors, connect } = setup({ onRequest: (sock) => sock.abort() });
    const client = connect({ connected: (c) => c.send(10, "x") });
    w.sched.runUntil(s(1));
    // The server's kernel ACKs the request before its application reads it
    // (quick-ACK from softirq); then tcp_send_active_reset: RST|ACK at snd_nxt.
    // The client is ESTABLISHED → ECONNRESET.
    expect(w.log.map((r) => `${r.dir}${r.flags}`)).toEqual([">S", "<S.", ">.", ">P.", "<.", "<R."]);
    expect(errors).toEqual([{ side: "client", errno: "ECONNRESET", t: 400_000 }]);
    expect(client?.state).toBe("CLOSED");
  });

  it("data reaching a socket the application closed is answered with RST; the peer in CLOSE_WAIT gets EPIPE", () => {
    const { w, errors, connect } = setup({
      serverCloses: false,
      onRequest: (sock) => w.sched.after(ms(1), () => sock.send(100, "late")),
    });
    connect({
      connected: (c) => {
        c.send(10, "x");
        c.close();
      },
    });
    w.sched.runUntil(s(1));
    expect(w.log.map((r) => `${r.t / 1000}µs ${r.dir}${r.flags}`)).toEqual([
      "0µs >S",
      "100µs <S.",
      "200µs >.",
      "200µs >P.",
      "200µs >F.",
      // The server ACKs the request at once (quick-ACK); the FIN's ACK is delayed (CLOSE_WAIT).
      "300µs <.",
      // The late response carries that ACK; the orphaned client answers RST (tcp_rcv_state_process).
      "1300µs <P.",
      "1400µs >R",
    ]);
    expect(errors).toEqual([{ side: "server", errno: "EPIPE", t: 1_500_000 }]);
  });
});

describe("FIN and TIME_WAIT", () => {
  it("holds the 4-tuple for 60 s in TIME_WAIT: with one ephemeral port, the next connect fails until then", () => {
    const { w, connect } = setup({ portRange: { low: 40000, high: 40000 } });
    const first = connect({ connected: (c) => c.close() });
    w.sched.runUntil(s(1));
    expect(first?.state).toBe("TIME_WAIT");
    const timeWaitFrom = w.log.at(-1)?.t as number;
    // EADDRNOTAVAIL: __inet_hash_connect finds the only port's 4-tuple in TIME_WAIT.
    expect(connect()).toBeUndefined();
    w.sched.runUntil((timeWaitFrom + 60e9 - 1) as never);
    expect(connect()).toBeUndefined();
    w.sched.runUntil((timeWaitFrom + 60e9) as never);
    expect(first?.state).toBe("CLOSED");
    expect(connect()?.localPort).toBe(40000);
  });

  it("re-ACKs a retransmitted FIN in TIME_WAIT and restarts the 60 s", () => {
    // Lose the client's last ACK once: the server, in LAST_ACK, retransmits its FIN after its RTO.
    let dropped = false;
    const { w, connect, servers } = setup({
      filter: (pkt, i) => {
        if (!dropped && i === 5 && pkt.dst === SERVER_IP) {
          dropped = true;
          return "drop";
        }
        return "deliver";
      },
    });
    const client = connect({ connected: (c) => c.close() });
    w.sched.runUntil(s(2));
    const fins = w.log.filter((r) => r.dir === "<" && r.flags === "F.").map((r) => r.t);
    // FIN at 300 µs; RTO = 201 ms (srtt 200 µs from the SYN-ACK) → 201.3 ms.
    expect(fins).toEqual([300_000, 201_300_000]);
    expect(w.log.at(-1)).toMatchObject({ t: 201_400_000, dir: ">", flags: "." });
    expect(servers[0]?.state).toBe("CLOSED");
    w.sched.runUntil((201_400_000 + 60e9 - 1) as never);
    expect(client?.state).toBe("TIME_WAIT");
    w.sched.runUntil((201_400_000 + 60e9) as never);
    expect(client?.state).toBe("CLOSED");
  });

  it("gives an orphaned FIN_WAIT_2 tcp_fin_timeout (60 s) when the peer never closes", () => {
    const { w, connect, servers } = setup({ serverCloses: false });
    const client = connect({ connected: (c) => c.close() });
    w.sched.runUntil(s(1));
    expect(client?.state).toBe("FIN_WAIT_2");
    expect(servers[0]?.state).toBe("CLOSE_WAIT");
    // The server's delayed ACK of the FIN (40 ms, TCP_DELACK_MIN) moved the client to FIN_WAIT_2.
    const ack = w.log.at(-1);
    expect(ack).toMatchObject({ t: 40_300_000, dir: "<", flags: "." });
    w.sched.runUntil((40_400_000 + 60e9 - 1) as never);
    expect(client?.state).toBe("FIN_WAIT_2");
    w.sched.runUntil((40_400_000 + 60e9) as never);
    expect(client?.state).toBe("CLOSED");
  });
});
