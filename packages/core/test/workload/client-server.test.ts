import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import {
  RequestClient,
  type RequestRecord,
  RequestServer,
  type ServerOptions,
  type ServiceTime,
  TcpStack,
} from "../../src/workload/index.ts";
import { SERVER_IP, type WireFilter, wire } from "./helpers.ts";

interface Setup {
  protocol?: "TCP" | "UDP";
  filter?: WireFilter;
  serverPort?: number | undefined;
  serviceTime?: Nanos | ServiceTime;
  workers?: number;
  requests?: number;
  interval?: Nanos;
  timeout?: Nanos;
  connectTimeout?: Nanos;
  retries?: number;
  seed?: number;
}

/** A RequestServer on port 80 (unless serverPort is undefined) and a RequestClient aimed at it. */
function run(o: Setup, until: Nanos) {
  const w = wire({ filter: o.filter, seed: o.seed });
  const protocol = o.protocol ?? "TCP";
  const records: RequestRecord[] = [];
  let server: RequestServer | undefined;
  if (!("serverPort" in o) || o.serverPort !== undefined) {
    const options: ServerOptions = {
      pod: "default/server",
      netns: w.server,
      scheduler: w.sched,
      rng: w.rng,
      protocol,
      port: o.serverPort ?? 80,
      responseBytes: 1000,
      serviceTime: o.serviceTime ?? ms(2),
      workers: o.workers,
    };
    server = new RequestServer(options);
  }
  new RequestClient({
    name: "c",
    netns: w.client,
    scheduler: w.sched,
    rng: w.rng,
    protocol,
    target: () => ({ ip: SERVER_IP, port: 80 }),
    requestBytes: 100,
    requests: o.requests ?? 1,
    interval: o.interval ?? s(1),
    start: 0 as Nanos,
    timeout: o.timeout ?? s(5),
    connectTimeout: o.connectTimeout,
    retries: o.retries,
    records,
  });
  w.sched.runUntil(until);
  return { w, records, server };
}

const dropFromClient: WireFilter = (pkt) => (pkt.src === SERVER_IP ? "deliver" : "drop");

describe("RequestClient / RequestServer over TCP", () => {
  it("connects, sends, and completes when the response arrives", () => {
    const { records, server } = run({}, s(1));
    // Handshake 200 µs; request arrives at 300 µs; 2 ms of service; response 100 µs later.
    expect(records).toMatchObject([{ connected: 200_000, end: 2_400_000, pod: "default/server", retransmissions: 0 }]);
    expect(records[0]?.error).toBeUndefined();
    expect(server?.served).toBe(1);
  });

  it("fails with connect-timeout when SYN retries run out (ETIMEDOUT at 127 s)", () => {
    const { records } = run({ filter: dropFromClient, timeout: s(500) }, s(600));
    expect(records).toMatchObject([{ error: "connect-timeout", end: 127e9, retransmissions: 6 }]);
  });

  it("fails with connect-timeout at the application's connect timeout, and sends no SYN after it", () => {
    const { records, w } = run({ filter: dropFromClient, connectTimeout: s(3) }, s(60));
    expect(records).toMatchObject([{ error: "connect-timeout", end: 3e9 }]);
    // SYNs at 0, 1 s; the next (3 s) never leaves: close() in SYN_SENT drops the socket first.
    expect(w.log.filter((r) => r.flags === "S").map((r) => r.t)).toEqual([0, 1e9]);
  });

  it("times out at the application's timeout on a slow server, then closes with FIN", () => {
    const { records, w } = run({ serviceTime: s(10), timeout: s(5) }, s(6));
    expect(records).toMatchObject([{ error: "timeout", end: 5e9 }]);
    expect(w.log.find((r) => r.t === 5e9)?.flags).toBe("F.");
  });

  it("is refused when nothing listens on the port (RST → ECONNREFUSED)", () => {
    const { records } = run({ serverPort: undefined }, s(1));
    expect(records).toMatchObject([{ error: "refused", end: 200_000 }]);
  });

  it("queues requests behind busy workers, in arrival order", () => {
    const { records } = run({ workers: 1, serviceTime: ms(10), requests: 3, interval: 0 as Nanos }, s(1));
    // All three requests arrive at 300 µs; one worker serves them back to back
    // (10 ms each); each response takes 100 µs: 10.4, 20.4, 30.4 ms.
    expect(records.map((r) => r.end)).toEqual([10_400_000, 20_400_000, 30_400_000]);
  });

  it("draws service times from the seeded stream workload/server/<pod>:<port>", () => {
    const spec: ServiceTime = { kind: "exponential", mean: ms(10) };
    const ends = (seed: number) =>
      run({ serviceTime: spec, requests: 5, seed, timeout: s(10) }, s(10)).records.map((r) => r.end);
    expect(ends(3)).toEqual(ends(3));
    expect(ends(3)).not.toEqual(ends(4));
  });
});

describe("RequestClient / RequestServer over UDP", () => {
  it("sends one datagram each way on a connected socket", () => {
    const { records, w } = run({ protocol: "UDP" }, s(1));
    expect(records).toMatchObject([{ attempts: 1, end: 2_200_000, pod: "default/server" }]);
    // 100 + 28 and 1000 + 28 bytes.
    expect(w.log.map((r) => r.len)).toEqual([128, 1028]);
  });

  it("retries after each timeout from the same source port, then gives up", () => {
    const { records, w } = run({ protocol: "UDP", filter: dropFromClient, timeout: s(1), retries: 2 }, s(10));
    expect(records).toMatchObject([{ attempts: 3, error: "timeout", end: 3e9 }]);
    expect(w.log.map((r) => r.t)).toEqual([0, 1e9, 2e9]);
    expect(new Set(w.log.map((r) => r.pkt.srcPort)).size).toBe(1);
  });

  it("succeeds on a retry when the first datagram is lost", () => {
    const { records } = run(
      { protocol: "UDP", filter: (_p, i) => (i === 0 ? "drop" : "deliver"), timeout: s(1), retries: 1 },
      s(5),
    );
    // Re-sent at 1 s; 100 µs + 2 ms + 100 µs later.
    expect(records).toMatchObject([{ attempts: 2, end: 1_002_200_000 }]);
    expect(records[0]?.error).toBeUndefined();
  });

  it("is refused when ICMP port unreachable answers a connected socket (__udp4_lib_err)", () => {
    const { records, w } = run({ protocol: "UDP", serverPort: undefined }, s(1));
    expect(w.log.map((r) => r.pkt.proto)).toEqual(["UDP", "ICMP"]);
    expect(records).toMatchObject([{ error: "refused", end: 200_000 }]);
  });
});

describe("determinism", () => {
  it("gives byte-identical wire logs (ISNs, ports, times) for a seed, and other ISNs for another seed", () => {
    const log = (seed: number) =>
      JSON.stringify(
        run({ seed, requests: 3, filter: (_p, i) => (i === 7 ? "drop" : "deliver") }, s(5)).w.log.map((r) => [
          r.t,
          r.flags,
          r.seq,
          r.ack,
          r.len,
        ]),
      );
    expect(log(9)).toBe(log(9));
    expect(log(9)).not.toBe(log(10));
  });

  it("draws ISNs from netns/<name>/tcp/isn only: other streams do not move them", () => {
    const isn = (touch: boolean) => {
      const w = wire({ seed: 5 });
      if (touch) w.rng.stream("something/else").next();
      return TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 80) && w.log[0]?.seq;
    };
    expect(isn(true)).toBe(isn(false));
  });
});
