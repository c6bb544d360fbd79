import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import {
  GO_HTTP2_SERVER,
  GO_HTTP2_TRANSPORT,
  GRPC_GO_CLIENT,
  GRPC_GO_SERVER,
  type H2ClientSettings,
  type H2ServerSettings,
} from "../../src/workload/http2/index.ts";
import { SERVER_IP } from "./helpers.ts";
import { callAt, h2Pair } from "./http2-helpers.ts";

/**
 * Calls every 20 ms from 0 to 980 ms over a wire with 5 ms one-way latency;
 * the server drains (GOAWAY) at 498 ms, so its GOAWAY reaches the client at
 * 503 ms while the call sent at 500 ms is on its way to the server (it
 * arrives at 505 ms).
 */
function drainDuringLoad(client: H2ClientSettings, server: H2ServerSettings) {
  const p = h2Pair({ client, server, serviceTime: ms(50), latency: ms(5) });
  for (let i = 0; i < 50; i++) callAt(p.sched, p.transport, p.records, ms(20 * i));
  p.sched.at(ms(498), () => p.server.drain());
  p.sched.runUntil(s(5));
  const conns = p.client.connections(SERVER_IP, p.port);
  const byPort = (port: number | undefined) => p.records.filter((r) => r.localPort === port);
  return { ...p, conns, byPort, at500: p.records[25] };
}

describe("GOAWAY", () => {
  it("one-phase (Go's server): in-flight streams finish, later requests go on a new connection, the raced one is retried", () => {
    const { records, conns, byPort, at500, server } = drainDuringLoad(GO_HTTP2_TRANSPORT, GO_HTTP2_SERVER);
    expect(records.every((r) => r.error === undefined && r.pod === "default/server")).toBe(true);
    expect(conns).toHaveLength(2);
    const [first, second] = conns;
    // Calls 0..24 (sent up to 480 ms) were received before the GOAWAY and are served on the first connection.
    expect(byPort(first?.localPort).map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // The call sent at 500 ms reached the server after its GOAWAY (last stream id 49 = the 25th
    // odd id): RFC 9113 §6.8 says it is ignored, and the client retries it — unprocessed — on the new connection.
    expect(at500).toMatchObject({ start: ms(500), attempts: 2, localPort: second?.localPort });
    expect(byPort(second?.localPort)).toHaveLength(25);
    // The drained connection closed once its last stream was answered; only the new one is left.
    expect(first?.state).toBe("closed");
    expect(server.connections).toBe(1);
  });

  it("two-phase (grpc-go): the call in flight during the GOAWAY is still served on the old connection", () => {
    // grpc-go: GOAWAY(2^31−1) + PING; the final GOAWAY (last stream id) only after the PING ACK,
    // a round trip later (≈ 508 ms), so the stream arriving at 505 ms is processed.
    const { records, conns, at500 } = drainDuringLoad(GRPC_GO_CLIENT_NONSTRICT, GRPC_GO_SERVER);
    expect(records.every((r) => r.error === undefined)).toBe(true);
    expect(conns).toHaveLength(2);
    expect(at500).toMatchObject({ attempts: 1, localPort: conns[0]?.localPort });
  });

  it("a client opens a new connection for the first request after GOAWAY, not before", () => {
    const p = h2Pair({ client: GO_HTTP2_TRANSPORT, server: GO_HTTP2_SERVER, serviceTime: ms(1) });
    callAt(p.sched, p.transport, p.records, 0 as Nanos);
    p.sched.at(s(1), () => p.server.drain());
    p.sched.runUntil(s(5));
    // No request yet: the GOAWAY closed the idle connection and nothing was dialled.
    expect(p.client.connections(SERVER_IP, p.port)).toHaveLength(1);
    callAt(p.sched, p.transport, p.records, s(6));
    p.sched.runUntil(s(7));
    const conns = p.client.connections(SERVER_IP, p.port);
    expect(conns).toHaveLength(2);
    expect(p.records[1]?.error).toBeUndefined();
    expect(p.records[1]?.localPort).toBe(conns[1]?.localPort);
  });
});

/** grpc-go's transport settings on a Go-style pool (the GOAWAY semantics are the server's). */
const GRPC_GO_CLIENT_NONSTRICT: H2ClientSettings = { ...GRPC_GO_CLIENT, strictMaxConcurrentStreams: false };
