import type { RandomStream, Rng, Scheduler } from "../../engine/index.ts";
import type { IPv4, NetNamespace, Packet } from "../../net/index.ts";
import { type TcpConfig, tcpConfig } from "./config.ts";
import { TcpListener } from "./listener.ts";
import { type TcpEnv, TcpSocket, type TcpSocketHandlers } from "./socket.ts";

/** How to open a connection. */
export interface ConnectOptions {
  handlers?: TcpSocketHandlers;
  /** TCP_NODELAY. */
  noDelay?: boolean;
}

const stacks = new WeakMap<NetNamespace, TcpStack>();

/**
 * The TCP layer of one network namespace: its listeners and connections,
 * registered with the namespace's demux, its config (the namespace's
 * net.ipv4.tcp_* sysctls) and its initial-sequence-number stream.
 *
 * ISNs are uniform 32-bit draws from `netns/<name>/tcp/isn` (Linux hashes the
 * 4-tuple with a secret and adds a clock, secure_tcp_seq: unpredictable
 * either way).
 */
export class TcpStack {
  readonly config: TcpConfig;
  private readonly env: TcpEnv;
  private readonly isn: RandomStream;

  constructor(netns: NetNamespace, sched: Scheduler, rng: Rng, config: Partial<TcpConfig> = {}) {
    this.config = tcpConfig(config);
    this.env = { netns, sched, config: this.config };
    this.isn = rng.stream(`netns/${netns.name}/tcp/isn`);
  }

  /**
   * The stack of a namespace, made on first use (one per namespace, so a
   * Pod's servers and clients share ports, ISNs and config).
   */
  static of(netns: NetNamespace, sched: Scheduler, rng: Rng, config?: Partial<TcpConfig>): TcpStack {
    let stack = stacks.get(netns);
    if (!stack) {
      stack = new TcpStack(netns, sched, rng, config);
      stacks.set(netns, stack);
    }
    return stack;
  }

  /** The namespace. */
  get netns(): NetNamespace {
    return this.env.netns;
  }

  /**
   * connect(): picks an ephemeral port free for this destination and sends
   * the SYN. Returns undefined when no port is free (EADDRNOTAVAIL).
   */
  connect(ip: IPv4, port: number, options: ConnectOptions = {}): TcpSocket | undefined {
    const { netns } = this.env;
    let sock: TcpSocket | undefined;
    const localPort = netns.connect("TCP", ip, port, (pkt) => sock?.onPacket(pkt));
    if (localPort === undefined) return undefined;
    sock = new TcpSocket(this.env, netns.ip, localPort, ip, port, this.nextIsn(), "SYN_SENT");
    if (options.handlers) sock.handlers = options.handlers;
    if (options.noDelay) sock.noDelay = true;
    sock.startConnect();
    return sock;
  }

  /** listen(): accepts connections on `port`; throws if the port is taken (EADDRINUSE). */
  listen(port: number, onAccept: (sock: TcpSocket) => void): TcpListener {
    const { netns } = this.env;
    const listener = new TcpListener(port, onAccept, netns, (syn) => this.child(syn));
    netns.bind("TCP", port, (pkt) => listener.onPacket(pkt));
    return listener;
  }

  private child(syn: Packet): TcpSocket | undefined {
    const { netns } = this.env;
    let sock: TcpSocket | undefined;
    const registered = netns.connect("TCP", syn.src, syn.srcPort, (pkt) => sock?.onPacket(pkt), syn.dstPort);
    if (registered === undefined) return undefined;
    sock = new TcpSocket(this.env, syn.dst, syn.dstPort, syn.src, syn.srcPort, this.nextIsn(), "SYN_RECV");
    return sock;
  }

  private nextIsn(): number {
    return this.isn.int(2 ** 32) >>> 0;
  }
}
