import { describe, expect, it } from "vitest";
import { ms, type Nanos, s, us } from "../../src/engine/index.ts";
import { attachProxyV2, type Packet, PROXY_V2_IPV4_BYTES, parseIPv4, TCP } from "../../src/net/index.ts";
import { formatPacket, tracePacket } from "../../src/trace/index.ts";
import { GO_HTTP2_SERVER, GO_HTTP2_TRANSPORT, H2Client, H2Server } from "../../src/workload/http2/index.ts";
import { RequestClient, type RequestRecord, RequestServer, type ServedSource } from "../../src/workload/index.ts";
import { CLIENT_IP, SERVER_IP, type WireFilter, wire } from "./helpers.ts";
import { callAt } from "./http2-helpers.ts";

/** What a load balancer with proxy protocol v2 would say: the real client and its frontend. */
const HEADER = { src: parseIPv4("203.0.113.7"), srcPort: 40000, dst: parseIPv4("203.0.113.100"), dstPort: 80 };

/**
 * The wire plays the sending load balancer: it puts the header on the first
 * data segment of each connection from the client side (and on its retransmissions).
 */
function proxyV2Sender(): WireFilter {
  const firstData = new Map<number, number>();
  return (pkt: Packet) => {
    const h = pkt.tcp;
    if (pkt.src !== CLIENT_IP || h === undefined) return "deliver";
    if (pkt.flags & TCP.SYN) firstData.set(pkt.srcPort, (h.seq + 1) >>> 0);
    else if (h.dataBytes > 0 && h.seq === firstData.get(pkt.srcPort)) attachProxyV2(pkt, HEADER);
    return "deliver";
  };
}

/** One request from the client namespace to a RequestServer on port 80. */
function oneRequest(o: { proxyProtocol: boolean; header: boolean }) {
  const w = wire({ latency: us(100), filter: o.header ? proxyV2Sender() : undefined });
  const seen: ServedSource[] = [];
  const server = new RequestServer({
    pod: "default/server",
    netns: w.server,
    scheduler: w.sched,
    rng: w.rng,
    protocol: "TCP",
    port: 80,
    responseBytes: 500,
    serviceTime: ms(1),
    proxyProtocol: o.proxyProtocol,
    onRequest: (_pod, source) => seen.push(source),
  });
  const records: RequestRecord[] = [];
  new RequestClient({
    name: "c",
    netns: w.client,
    scheduler: w.sched,
    rng: w.rng,
    protocol: "TCP",
    target: () => ({ ip: SERVER_IP, port: 80 }),
    requestBytes: 100,
    requests: 1,
    interval: s(1),
    start: 0 as Nanos,
    timeout: s(5),
    records,
  });
  w.sched.runUntil(s(10));
  return { ...w, server, seen, record: records[0] as RequestRecord };
}

describe("PROXY protocol v2", () => {
  it("is 28 bytes for TCP over IPv4: 16 fixed (signature 12, ver/cmd, fam, len 2) + 12 of addresses", () => {
    expect(PROXY_V2_IPV4_BYTES).toBe(12 + 1 + 1 + 2 + (4 + 4 + 2 + 2));
  });

  it("a server with proxyProtocol takes the client from the header; the peer is still the sender", () => {
    const r = oneRequest({ proxyProtocol: true, header: true });
    expect(r.record.error).toBeUndefined();
    expect(r.seen).toEqual([
      { peer: CLIENT_IP, peerPort: r.record.localPort, client: HEADER.src, clientPort: 40000, proxied: true },
    ]);
    // The echoed address is the header's, not the TCP peer's.
    expect(r.record.source).toBe("203.0.113.7:40000");
    // The header rides on the request segment only: 40 (IP+TCP) + 12 (timestamps) + 100 data + 28.
    const withHeader = r.log.filter((l) => l.pkt.proxyV2 !== undefined);
    expect(withHeader.map((l) => [l.dir, l.data, l.len])).toEqual([[">", 100, 40 + 12 + 100 + 28]]);
  });

  it("a server without proxyProtocol sees the TCP peer", () => {
    const r = oneRequest({ proxyProtocol: false, header: false });
    expect(r.record.error).toBeUndefined();
    expect(r.seen.map((x) => [x.client, x.peer, x.proxied])).toEqual([[CLIENT_IP, CLIENT_IP, false]]);
    expect(r.record.source).toBe(`10.244.1.2:${r.record.localPort}`);
  });

  it("a connection without the header to a proxyProtocol server is closed unserved (nginx: broken header)", () => {
    const r = oneRequest({ proxyProtocol: true, header: false });
    // SYN-ACK back at 200 µs, the request reaches the server at 300 µs, which reads it,
    // finds no header and closes: its FIN reaches the client at 400 µs, before any answer.
    expect(r.record).toMatchObject({ error: "closed", end: 400_000 });
    expect(r.server.proxyErrors).toEqual({ "proxy-header-missing": 1, "proxy-header-unexpected": 0 });
    expect(r.server.served).toBe(0);
    expect(r.seen).toEqual([]);
    // A FIN, not a RST: the application had read the bytes before close().
    const fromServer = r.log.filter((l) => l.dir === "<").map((l) => l.flags);
    expect(fromServer).toContain("F.");
    expect(fromServer).not.toContain("R");
  });

  it("a header sent to a server that does not expect one breaks its first request", () => {
    const r = oneRequest({ proxyProtocol: false, header: true });
    expect(r.record.error).toBe("closed");
    expect(r.server.proxyErrors["proxy-header-unexpected"]).toBe(1);
  });

  it("an HTTP/2 server with proxyProtocol reports the header's client for every stream", () => {
    const w = wire({ latency: us(100), filter: proxyV2Sender() });
    const seen: ServedSource[] = [];
    new H2Server({
      pod: "default/server",
      netns: w.server,
      scheduler: w.sched,
      rng: w.rng,
      port: 8443,
      settings: GO_HTTP2_SERVER,
      responseBytes: 200,
      serviceTime: ms(1),
      proxyProtocol: true,
      onRequest: (_pod, source) => seen.push(source),
    });
    const client = new H2Client({
      name: "c",
      netns: w.client,
      scheduler: w.sched,
      rng: w.rng,
      settings: GO_HTTP2_TRANSPORT,
    });
    const records: RequestRecord[] = [];
    const transport = client.to(SERVER_IP, 8443);
    for (const at of [ms(1), ms(50), ms(100)]) callAt(w.sched, transport, records, at);
    w.sched.runUntil(s(2));
    expect(records.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    // Three streams on one connection: one header, read once, names the client for all.
    expect(seen.map((x) => [x.client, x.clientPort, x.peer, x.proxied])).toEqual(
      Array(3).fill([HEADER.src, 40000, CLIENT_IP, true]),
    );
  });

  it("an HTTP/2 server with proxyProtocol closes a connection that starts without the header", () => {
    const w = wire({ latency: us(100) });
    const server = new H2Server({
      pod: "default/server",
      netns: w.server,
      scheduler: w.sched,
      rng: w.rng,
      port: 8443,
      settings: GO_HTTP2_SERVER,
      serviceTime: ms(1),
      proxyProtocol: true,
    });
    const client = new H2Client({
      name: "c",
      netns: w.client,
      scheduler: w.sched,
      rng: w.rng,
      settings: GO_HTTP2_TRANSPORT,
    });
    const records: RequestRecord[] = [];
    callAt(w.sched, client.to(SERVER_IP, 8443), records, ms(1));
    w.sched.runUntil(s(2));
    expect(records[0]?.error).toBeDefined();
    expect(server.served).toBe(0);
    expect(server.proxyErrors["proxy-header-missing"]).toBe(1);
  });

  it("shows in the trace on the segment that carries it", () => {
    const w = wire();
    const pkt = w.client.packet({ proto: "TCP", dst: SERVER_IP, srcPort: 5555, dstPort: 80, flags: TCP.ACK });
    const before = pkt.length;
    attachProxyV2(pkt, HEADER);
    attachProxyV2(pkt, HEADER); // once per segment: its bytes are counted once
    expect(pkt.length).toBe(before + 28);
    const traced = tracePacket(pkt);
    expect(traced.proxy).toBe("203.0.113.7:40000 > 203.0.113.100:80");
    expect(formatPacket(traced)).toBe(
      `TCP 10.244.1.2:5555 > 10.244.2.2:80 [.] proxy-v2 203.0.113.7:40000 > 203.0.113.100:80 #${pkt.id}`,
    );
  });
});
