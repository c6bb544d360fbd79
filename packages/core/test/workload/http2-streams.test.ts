import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import {
  dataFrames,
  FRAME_HEADER_BYTES,
  GO_HTTP2_SERVER,
  GO_HTTP2_TRANSPORT,
  requestFrames,
  writeBytes,
} from "../../src/workload/http2/index.ts";
import { SERVER_IP } from "./helpers.ts";
import { callAt, h2Pair, latency } from "./http2-helpers.ts";

describe("HTTP/2 frames", () => {
  it("splits bodies into DATA frames of at most SETTINGS_MAX_FRAME_SIZE, each with a 9-octet header", () => {
    // RFC 9113 §4.1/§6.5.2: 9-octet frame header, 16384-octet initial max payload.
    const frames = dataFrames(1, 40_000, true);
    expect(frames.map((f) => f.bytes)).toEqual([16_384, 16_384, 7_232]);
    expect(frames.map((f) => f.type === "DATA" && f.endStream)).toEqual([false, false, true]);
    const write = { kind: "h2" as const, preface: false, frames };
    expect(writeBytes(write)).toBe(40_000 + 3 * FRAME_HEADER_BYTES);
  });

  it("a bodiless HTTP request ends its stream on HEADERS; a gRPC request always sends a 5-byte-prefixed message", () => {
    const get = requestFrames(1, { id: 1, requestBytes: 0, responseBytes: 10 }, GO_HTTP2_TRANSPORT);
    expect(get).toMatchObject([{ type: "HEADERS", endStream: true }]);
    const rpc = requestFrames(
      3,
      { id: 2, requestBytes: 0, responseBytes: 10 },
      { ...GO_HTTP2_TRANSPORT, framing: "grpc" },
    );
    // PROTOCOL-HTTP2.md: Length-Prefixed-Message = Compressed-Flag (1) + Message-Length (4) + Message.
    expect(rpc).toMatchObject([
      { type: "HEADERS", endStream: false },
      { type: "DATA", endStream: true, bytes: 5 },
    ]);
  });
});

describe("HTTP/2 stream multiplexing and SETTINGS_MAX_CONCURRENT_STREAMS", () => {
  // Go's server advertises defaultMaxStreams = 250 (x/net/http2 server.go).
  const burst = (strict: boolean) => {
    const p = h2Pair({
      client: { ...GO_HTTP2_TRANSPORT, strictMaxConcurrentStreams: strict },
      server: GO_HTTP2_SERVER,
      serviceTime: s(1),
    });
    // One request first, so the connection exists and the server's SETTINGS (250) is known.
    callAt(p.sched, p.transport, p.records, 0 as Nanos);
    for (let i = 0; i < 300; i++) callAt(p.sched, p.transport, p.records, s(2));
    p.sched.runUntil(s(10));
    return p;
  };

  it("non-strict (Go's default): 250 streams on the first connection, a second connection dialled for the rest", () => {
    const p = burst(false);
    expect(p.records.every((r) => r.error === undefined && r.pod === "default/server")).toBe(true);
    const conns = p.client.connections(SERVER_IP, p.port);
    expect(conns).toHaveLength(2);
    // 1 warm-up + 250 of the burst fill the first connection's limit; the other 50 go on the second.
    expect(conns.map((c) => c.streamsOpened)).toEqual([251, 50]);
    // Nobody waited for a slot: every request took about one service time.
    expect(Math.max(...p.records.map(latency))).toBeLessThan(s(1) + ms(5));
  });

  it("strict: one connection; requests over the limit wait for a stream to end", () => {
    const p = burst(true);
    expect(p.records.every((r) => r.error === undefined)).toBe(true);
    expect(p.client.connections(SERVER_IP, p.port)).toHaveLength(1);
    const burstRecords = p.records.slice(1);
    const fast = burstRecords.filter((r) => latency(r) < s(1) + ms(5));
    const slow = burstRecords.filter((r) => latency(r) >= s(2));
    expect(fast).toHaveLength(250);
    expect(slow).toHaveLength(50);
    expect(new Set(p.records.map((r) => r.localPort)).size).toBe(1);
  });

  it("streams sent before the server's SETTINGS over its limit are refused (REFUSED_STREAM) and retried", () => {
    // The client may open initialMaxConcurrentStreams = 100 streams before the
    // server's SETTINGS arrives; a server advertising 2 refuses the excess
    // (RFC 9113 §5.1.2), and Go's RoundTrip retries those unprocessed requests.
    const p = h2Pair({
      client: { ...GO_HTTP2_TRANSPORT, strictMaxConcurrentStreams: true },
      server: { ...GO_HTTP2_SERVER, maxConcurrentStreams: 2 },
      serviceTime: ms(100),
    });
    for (let i = 0; i < 6; i++) callAt(p.sched, p.transport, p.records, 0 as Nanos);
    p.sched.runUntil(s(30));
    expect(p.records.every((r) => r.error === undefined && r.end !== undefined)).toBe(true);
    expect(p.server.served).toBe(6);
    // The TCP handshake precedes any stream; the first write carries all 6 streams
    // (limit 100 before SETTINGS); the server takes 2 and refuses 4.
    expect(p.records.filter((r) => (r.attempts ?? 0) > 1)).toHaveLength(4);
  });
});
