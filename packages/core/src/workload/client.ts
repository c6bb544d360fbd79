import type { EventHandle, Nanos, Rng, Scheduler } from "../engine/index.ts";
import { formatEndpoint, type IPv4, type NetNamespace } from "../net/index.ts";
import type { AppMessage, RequestError, RequestRecord } from "./messages.ts";
import { type TcpConfig, type TcpErrno, type TcpSocket, TcpStack } from "./tcp/index.ts";
import { UdpSocket } from "./udp.ts";

/** Where a request goes, resolved when it starts (a Pod's IP, a ClusterIP). */
export type TargetResolver = () => { ip: IPv4; port: number } | undefined;

/** What a client needs to know. */
export interface ClientOptions {
  name: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  /** For the namespace's TCP stack (ISNs). */
  rng: Rng;
  protocol: "TCP" | "UDP";
  target: TargetResolver;
  requestBytes: number;
  requests: number;
  interval: Nanos;
  start: Nanos;
  /** The application's timeout for a whole request (for UDP: per attempt). */
  timeout: Nanos;
  /** TCP: the application's connect timeout (Go's Dialer.Timeout, curl --connect-timeout). */
  connectTimeout?: Nanos;
  /** UDP: datagrams re-sent on the same socket after a timeout (a stub resolver's attempts − 1). */
  retries?: number;
  /** The namespace's TCP sysctls, if its stack is made here. */
  tcp?: Partial<TcpConfig>;
  /** Every request, appended when it starts. */
  records: RequestRecord[];
}

/** A request in flight: its record, timers, and its socket. */
interface Attempt {
  readonly record: RequestRecord;
  timers: EventHandle[];
  done: boolean;
  tcp?: TcpSocket;
  udp?: UdpSocket;
}

// why: how the kernel's errno reaches an application (connect(2), recv(2)).
function requestError(errno: TcpErrno, connected: boolean): RequestError {
  switch (errno) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
      return "reset";
    case "ETIMEDOUT":
      return connected ? "timeout" : "connect-timeout";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "unreachable";
  }
}

/**
 * A client that sends `requests` requests, one new connection each, every
 * `interval` from `start`. Over TCP: connect, write the request once the
 * handshake completes, close once the whole response has arrived. Over UDP:
 * a connected socket per request, the request datagram re-sent from the
 * same source port after each timeout up to `retries` times.
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
      this.end({ record, timers: [], done: false }, "no-target");
      return;
    }
    record.remote = formatEndpoint(target.ip, target.port);
    const attempt: Attempt = { record, timers: [], done: false };
    if (o.protocol === "TCP") this.beginTcp(attempt, target.ip, target.port);
    else this.beginUdp(attempt, target.ip, target.port);
  }

  private beginTcp(a: Attempt, ip: IPv4, port: number): void {
    const { o } = this;
    const { record } = a;
    const request: AppMessage = { kind: "request", id: record.id, bytes: o.requestBytes };
    const stack = TcpStack.of(o.netns, o.scheduler, o.rng, o.tcp);
    const sock = stack.connect(ip, port, {
      handlers: {
        connected: (s) => {
          record.connected = o.scheduler.now;
          // A TCP message needs a byte: an empty request is sent as one.
          s.send(Math.max(1, o.requestBytes), request);
        },
        message: (m) => {
          const response = m as AppMessage;
          if (response.kind !== "response" || response.id !== record.id) return;
          record.pod = response.pod;
          if (response.source !== undefined) record.source = response.source;
          this.end(a, undefined);
        },
        peerClosed: () => this.end(a, "closed"),
        error: (errno) => this.end(a, requestError(errno, record.connected !== undefined)),
      },
    });
    if (sock === undefined) {
      this.end(a, "no-port");
      return;
    }
    a.tcp = sock;
    record.localPort = sock.localPort;
    record.local = formatEndpoint(sock.localIp, sock.localPort);
    a.timers.push(o.scheduler.after(o.timeout, () => this.end(a, "timeout"), `client/${o.name}`));
    if (o.connectTimeout !== undefined) {
      const connectTimeout = o.connectTimeout;
      a.timers.push(
        o.scheduler.after(
          connectTimeout,
          () => {
            if (record.connected === undefined) this.end(a, "connect-timeout");
          },
          `client/${o.name}`,
        ),
      );
    }
  }

  private beginUdp(a: Attempt, ip: IPv4, port: number): void {
    const { o } = this;
    const { record } = a;
    const sock = new UdpSocket(o.netns);
    if (!sock.connect(ip, port)) {
      this.end(a, "no-port");
      return;
    }
    a.udp = sock;
    record.localPort = sock.port;
    record.local = sock.localAddress;
    const request: AppMessage = { kind: "request", id: record.id, bytes: o.requestBytes };
    sock.handlers = {
      message: (m) => {
        const response = m as AppMessage | undefined;
        if (response?.kind !== "response" || response.id !== record.id) return;
        record.pod = response.pod;
        if (response.source !== undefined) record.source = response.source;
        this.end(a, undefined);
      },
      error: (errno) => this.end(a, errno === "ECONNREFUSED" ? "refused" : "unreachable"),
    };
    const attempt = () => {
      record.attempts = (record.attempts ?? 0) + 1;
      sock.send(o.requestBytes, request);
      a.timers.push(
        o.scheduler.after(
          o.timeout,
          () => ((record.attempts ?? 0) <= (o.retries ?? 0) ? attempt() : this.end(a, "timeout")),
          `client/${o.name}`,
        ),
      );
    };
    attempt();
  }

  /** Finishes a request once, either way: timers stop, the socket is closed. */
  private end(a: Attempt, error: RequestError | undefined): void {
    if (a.done) return;
    a.done = true;
    const { record } = a;
    record.end = this.o.scheduler.now;
    if (error !== undefined) record.error = error;
    for (const t of a.timers) this.o.scheduler.cancel(t);
    if (a.tcp) {
      record.retransmissions = a.tcp.retransmissions;
      a.tcp.handlers = {};
      // why: an application done with a connection close()s it: FIN after the
      // data, or nothing at all while the SYN is still unanswered.
      a.tcp.close();
    }
    a.udp?.close();
  }
}
