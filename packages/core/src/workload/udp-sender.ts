import type { Nanos, Scheduler } from "../engine/index.ts";
import type { NetNamespace } from "../net/index.ts";
import type { TargetResolver } from "./client.ts";
import type { AppMessage } from "./messages.ts";
import type { TcpErrno } from "./tcp/index.ts";
import { UdpSocket } from "./udp.ts";

/** What a fire-and-forget UDP sender needs to know. */
export interface UdpSenderOptions {
  name: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  /** Resolved once, when the socket is connected (at `start`). */
  target: TargetResolver;
  /** Payload bytes per datagram. */
  bytes: number;
  /** Time between datagrams. */
  interval: Nanos;
  /** First datagram. */
  start: Nanos;
  /** No datagram at or after this time; sends forever when absent. */
  stop?: Nanos;
}

/** One send() the application made. */
export interface SentDatagram {
  readonly t: Nanos;
  /** Its number (1, 2, …): the `id` of the request message it carries. */
  readonly id: number;
  /** send() failed with the error an ICMP message left on the socket: nothing left the Pod. */
  readonly error?: TcpErrno;
}

/**
 * A statsd-like sender: one connected UDP socket for its whole life — one
 * source port, so one conntrack entry that every datagram refreshes — and a
 * datagram every `interval`, answered by nobody. The application ignores
 * errors, but the kernel does not: an ICMP error (port unreachable from a
 * Pod whose server has gone) is kept on the connected socket and fails the
 * next send(), whose datagram is then never sent.
 */
// why: statsd clients (e.g. DogStatsD, hot-shots) connect() a UDP socket once and write to
// it; ICMP errors set sk_err on connected sockets (__udp4_lib_err), and the next send's
// skb allocation (sock_alloc_send_pskb → sock_error) returns and clears it.
export class UdpSender {
  /** Every send(), in order. */
  readonly sent: SentDatagram[] = [];
  /** ICMP errors reported to the socket. */
  icmpErrors = 0;
  private sock: UdpSocket | undefined;
  private pending: TcpErrno | undefined;

  constructor(private readonly o: UdpSenderOptions) {
    const at = Math.max(o.scheduler.now, o.start) as Nanos;
    o.scheduler.at(at, () => this.open(), `client/${o.name}`);
  }

  /** The socket's local port, once connected. */
  get localPort(): number | undefined {
    return this.sock?.port;
  }

  /** Datagrams that actually left the socket. */
  get delivered(): number {
    return this.sent.filter((d) => d.error === undefined).length;
  }

  /** Closes the socket; no more datagrams. */
  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }

  private open(): void {
    const target = this.o.target();
    if (!target) return;
    const sock = new UdpSocket(this.o.netns);
    if (!sock.connect(target.ip, target.port)) return;
    sock.handlers = {
      error: (errno) => {
        this.icmpErrors++;
        this.pending = errno;
      },
    };
    this.sock = sock;
    this.tick();
  }

  private tick(): void {
    const { o } = this;
    const sock = this.sock;
    if (!sock || (o.stop !== undefined && o.scheduler.now >= o.stop)) return;
    const id = this.sent.length + 1;
    if (this.pending !== undefined) {
      this.sent.push({ t: o.scheduler.now, id, error: this.pending });
      this.pending = undefined;
    } else {
      const message: AppMessage = { kind: "request", id, bytes: o.bytes };
      sock.send(o.bytes, message);
      this.sent.push({ t: o.scheduler.now, id });
    }
    o.scheduler.after(o.interval, () => this.tick(), `client/${o.name}`);
  }
}
