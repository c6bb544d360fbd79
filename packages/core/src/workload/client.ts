import type { EventHandle, Nanos, Scheduler } from "../engine/index.ts";
import { formatEndpoint, ICMP, type IPv4, type NetNamespace, type Packet, TCP } from "../net/index.ts";
import type { AppMessage, RequestError, RequestRecord } from "./messages.ts";

/** Where a request goes, resolved when it starts (a Pod's IP, a ClusterIP). */
export type TargetResolver = () => { ip: IPv4; port: number } | undefined;

/** What a client needs to know. */
export interface ClientOptions {
  name: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  protocol: "TCP" | "UDP";
  target: TargetResolver;
  requestBytes: number;
  requests: number;
  interval: Nanos;
  start: Nanos;
  timeout: Nanos;
  /** Every request, appended when it starts. */
  records: RequestRecord[];
}

interface Conn {
  readonly record: RequestRecord;
  readonly ip: IPv4;
  readonly port: number;
  readonly localPort: number;
  timer: EventHandle | undefined;
  done: boolean;
}

const DATA = TCP.PSH | TCP.ACK;

/**
 * A client that sends `requests` requests, one new connection each, every
 * `interval` from `start`. Over TCP: SYN, then the request with the handshake's
 * final ACK, then FIN once the response arrives. Over UDP: one datagram each
 * way on a connected socket.
 *
 * Simplified until the TCP model lands: one segment per message and no
 * retransmission (a lost SYN ends as a timeout).
 */
export class RequestClient {
  private nextId = 1;

  constructor(private readonly o: ClientOptions) {
    // A client whose Pod came up after `start` sends its earlier requests at once.
    for (let i = 0; i < o.requests; i++) {
      const at = Math.max(o.scheduler.now, o.start + i * o.interval) as Nanos;
      o.scheduler.at(at, () => this.begin(), `client/${o.name}`);
    }
  }

  private begin(): void {
    const { o } = this;
    const record: RequestRecord = { id: this.nextId++, client: o.name, protocol: o.protocol, start: o.scheduler.now };
    o.records.push(record);
    const target = o.target();
    if (!target) {
      this.finish(record, "no-target");
      return;
    }
    let conn: Conn | undefined;
    const localPort = o.netns.connect(o.protocol, target.ip, target.port, (pkt) => {
      if (conn) this.onPacket(conn, pkt);
    });
    if (localPort === undefined) {
      this.finish(record, "no-port");
      return;
    }
    record.localPort = localPort;
    record.local = formatEndpoint(o.netns.ip, localPort);
    record.remote = formatEndpoint(target.ip, target.port);
    conn = { record, ip: target.ip, port: target.port, localPort, timer: undefined, done: false };
    const c = conn;
    conn.timer = o.scheduler.after(o.timeout, () => this.fail(c, "timeout"), `client/${o.name}`);
    if (o.protocol === "TCP") this.send(conn, TCP.SYN, 0);
    else this.send(conn, 0, o.requestBytes, { kind: "request", id: record.id, bytes: o.requestBytes });
  }

  private onPacket(conn: Conn, pkt: Packet): void {
    if (pkt.proto === "ICMP") {
      const refused = pkt.icmp?.type === ICMP.DEST_UNREACH && pkt.icmp.code === ICMP.PORT_UNREACH;
      this.fail(conn, refused ? "refused" : "unreachable");
      return;
    }
    if (pkt.proto === "TCP") {
      if (pkt.flags & TCP.RST) {
        this.fail(conn, "reset");
        return;
      }
      if ((pkt.flags & (TCP.SYN | TCP.ACK)) === (TCP.SYN | TCP.ACK)) {
        const request: AppMessage = { kind: "request", id: conn.record.id, bytes: this.o.requestBytes };
        this.send(conn, DATA, this.o.requestBytes, request);
        return;
      }
      if (pkt.flags & TCP.FIN) {
        // The server's FIN answers ours: acknowledge it and release the socket.
        this.send(conn, TCP.ACK, 0);
        this.o.netns.disconnect("TCP", conn.localPort, conn.ip, conn.port);
        return;
      }
    }
    const message = pkt.payload as AppMessage | undefined;
    if (message?.kind !== "response" || message.id !== conn.record.id || conn.done) return;
    conn.record.pod = message.pod;
    this.complete(conn);
    if (pkt.proto === "TCP") this.send(conn, TCP.FIN | TCP.ACK, 0);
    else this.o.netns.disconnect("UDP", conn.localPort, conn.ip, conn.port);
  }

  private complete(conn: Conn): void {
    conn.done = true;
    this.o.scheduler.cancel(conn.timer);
    conn.record.end = this.o.scheduler.now;
  }

  private fail(conn: Conn, error: RequestError): void {
    if (conn.done) return;
    this.complete(conn);
    conn.record.error = error;
    this.o.netns.disconnect(this.o.protocol, conn.localPort, conn.ip, conn.port);
  }

  private finish(record: RequestRecord, error: RequestError): void {
    record.end = this.o.scheduler.now;
    record.error = error;
  }

  private send(conn: Conn, flags: number, bytes: number, payload?: AppMessage): void {
    const { o } = this;
    const header = o.protocol === "TCP" ? 40 : 28;
    const pkt = o.netns.packet({
      proto: o.protocol,
      dst: conn.ip,
      srcPort: conn.localPort,
      dstPort: conn.port,
      flags,
      length: header + bytes,
      payload,
    });
    o.netns.send(pkt);
  }
}
