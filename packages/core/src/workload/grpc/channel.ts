import type { Nanos, RandomStream, Rng, Scheduler } from "../../engine/index.ts";
import { formatEndpoint, type IPv4, type NetNamespace } from "../../net/index.ts";
import {
  type Call,
  type CallTransport,
  GRPC_GO_CLIENT,
  type H2ClientSettings,
  type H2Connection,
  type StreamResult,
} from "../http2/index.ts";
import { type TcpConfig, TcpStack } from "../tcp/index.ts";
import { type LbPolicy, pickSubchannel } from "./picker.ts";
import { DnsWatcher, type NameLookup } from "./resolver.ts";
import { type ConnectivityState, Subchannel } from "./subchannel.ts";

/** What a channel needs. */
export interface GrpcChannelOptions {
  /** Names its random streams (`workload/grpc/<name>/…`). */
  name: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  rng: Rng;
  /** The target `dns:///host:port`, as host and port. */
  host: string;
  port: number;
  lookup: NameLookup;
  policy: LbPolicy;
  /** Default 30 s (grpc-go MinResolutionInterval). */
  minResolutionInterval?: Nanos;
  /** Re-resolve on a timer too (grpc-go does not; see DnsWatcher). */
  resolvePoll?: Nanos;
  /** Default grpc-go's client transport. */
  settings?: H2ClientSettings;
  /** Calls wait through TRANSIENT_FAILURE instead of failing fast (default false, as in gRPC). */
  waitForReady?: boolean;
  tcp?: Partial<TcpConfig>;
}

/** A call waiting for a pick, or in flight. */
interface Pending {
  readonly call: Call;
  attempts: number;
  cancelled: boolean;
  conn?: H2Connection;
  stream?: number;
}

// why: gRFC A6 transparent retry: an RPC the server never processed (GOAWAY
// above its stream id, REFUSED_STREAM) is retried once on a new pick.
const TRANSPARENT_RETRIES = 1;

/**
 * A gRPC client channel to `dns:///host:port` (grpc-go ClientConn): a DNS
 * resolver feeding a load-balancing policy over subchannels. pick_first
 * makes one subchannel to the first address (to a ClusterIP name: one
 * connection, which kube-proxy pins to one backend); round_robin makes one
 * per address (a headless Service: one per ready Pod) and rotates calls
 * over the READY ones. A lost connection triggers re-resolution.
 */
export class GrpcChannel implements CallTransport {
  readonly resolver: DnsWatcher;
  /** Subchannels removed by address updates, kept for inspection. */
  readonly retired: Subchannel[] = [];
  private subs: Subchannel[] = [];
  private readonly pending: Pending[] = [];
  private resolved = false;
  private resolveFailed = false;
  private next = 0;
  private pumping = false;
  private again = false;
  private readonly stack: TcpStack;
  private readonly settings: H2ClientSettings;
  private readonly rr: RandomStream;
  private readonly backoff: RandomStream;

  constructor(private readonly o: GrpcChannelOptions) {
    this.stack = TcpStack.of(o.netns, o.scheduler, o.rng, o.tcp);
    this.settings = o.settings ?? GRPC_GO_CLIENT;
    this.rr = o.rng.stream(`workload/grpc/${o.name}/round-robin`);
    this.backoff = o.rng.stream(`workload/grpc/${o.name}/backoff`);
    this.resolver = new DnsWatcher({
      scheduler: o.scheduler,
      host: o.host,
      lookup: o.lookup,
      ...(o.minResolutionInterval !== undefined ? { minInterval: o.minResolutionInterval } : {}),
      ...(o.resolvePoll !== undefined ? { poll: o.resolvePoll } : {}),
      stream: o.rng.stream(`workload/grpc/${o.name}/resolver`),
      component: `grpc/${o.name}/resolver`,
      update: (addresses) => this.update(addresses),
      failed: () => this.failed(),
    });
    // why: grpc.Dial starts the resolver at once (the channel leaves IDLE).
    this.resolver.start();
  }

  /** The live subchannels, in the order of the last resolution. */
  subchannels(): readonly Subchannel[] {
    return this.subs;
  }

  /** The channel's aggregate state: READY if any subchannel is, else CONNECTING, IDLE or TRANSIENT_FAILURE. */
  get state(): ConnectivityState {
    const states = new Set(this.subs.map((sc) => sc.state));
    for (const s of ["READY", "CONNECTING", "IDLE"] as const) if (states.has(s)) return s;
    return this.resolved || this.resolveFailed ? "TRANSIENT_FAILURE" : "IDLE";
  }

  /** Sends a unary call: it waits for a pick, then goes out as a stream. */
  send(call: Call): () => void {
    const p: Pending = { call, attempts: 0, cancelled: false };
    this.pending.push(p);
    this.pump();
    return () => {
      if (p.cancelled) return;
      p.cancelled = true;
      const i = this.pending.indexOf(p);
      if (i >= 0) this.pending.splice(i, 1);
      if (p.conn && p.stream !== undefined) p.conn.cancel(p.stream);
    };
  }

  private update(addresses: readonly IPv4[]): void {
    this.resolved = true;
    this.resolveFailed = false;
    const keys = addresses.map((ip) => formatEndpoint(ip, this.o.port));
    if (this.o.policy === "pick_first") {
      // why: grpc-go pickfirst keeps its subchannel while its address is still
      // listed (addrConn.updateAddrs), else starts over with the new first address.
      const current = this.subs[0];
      if (!current || !keys.includes(current.address)) {
        this.retire(this.subs);
        this.subs = [this.subchannel(addresses[0] as IPv4)];
        this.subs[0]?.connect();
      }
      this.pump();
      return;
    }
    // why: round_robin keeps one subchannel per address: new addresses get one
    // (and connect at once), removed ones are shut down.
    const byKey = new Map(this.subs.map((sc) => [sc.address, sc]));
    const next = addresses.map((ip, i) => byKey.get(keys[i] as string) ?? this.subchannel(ip));
    this.retire(this.subs.filter((sc) => !next.includes(sc)));
    this.subs = next;
    for (const sc of next) sc.connect();
    this.regenerate();
    this.pump();
  }

  private failed(): void {
    if (this.subs.length === 0) this.resolveFailed = true;
    this.pump();
  }

  private retire(subs: readonly Subchannel[]): void {
    for (const sc of subs) {
      sc.shutdown();
      this.retired.push(sc);
    }
  }

  private subchannel(ip: IPv4): Subchannel {
    return new Subchannel(ip, this.o.port, {
      stack: this.stack,
      scheduler: this.o.scheduler,
      settings: this.settings,
      stream: this.backoff,
      component: `grpc/${this.o.name}`,
      changed: () => {
        this.regenerate();
        this.pump();
      },
      slots: () => this.pump(),
      lost: (sc) => {
        this.resolver.resolveNow();
        // why: round_robin reconnects an IDLE subchannel at once (base balancer:
        // Idle → sc.Connect()); pick_first waits for the next RPC (idle picker → ExitIdle).
        if (this.o.policy === "round_robin") sc.connect();
      },
    });
  }

  /** A new round_robin picker starts at a random READY subchannel (grpc-go rrPicker: rand.Intn). */
  private regenerate(): void {
    const ready = this.subs.filter((sc) => sc.state === "READY").length;
    this.next = ready > 0 ? this.rr.int(ready) : 0;
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    do {
      this.again = false;
      this.pumpOnce();
    } while (this.again);
    this.pumping = false;
  }

  private pumpOnce(): void {
    while (this.pending.length > 0) {
      const pick = pickSubchannel(this.o.policy, this.subs, this.next, {
        resolved: this.resolved,
        resolveFailed: this.resolveFailed,
        waitForReady: this.o.waitForReady ?? false,
      });
      if (pick.kind === "wait") return;
      const p = this.pending.shift() as Pending;
      if (pick.kind === "fail") {
        p.call.done({ error: "unavailable", attempts: p.attempts });
        continue;
      }
      this.next = pick.next;
      const conn = pick.subchannel.conn as H2Connection;
      if (!conn.canOpen) {
        // why: grpc-go waits for stream quota on the picked transport.
        this.pending.unshift(p);
        return;
      }
      this.start(p, conn);
    }
  }

  private start(p: Pending, conn: H2Connection): void {
    p.attempts++;
    p.conn = conn;
    p.stream = conn.open({
      id: p.call.id,
      requestBytes: p.call.requestBytes,
      responseBytes: p.call.responseBytes,
      done: (result, c, stream) => this.finished(p, result, c, stream),
    });
    if (p.stream !== undefined) p.call.started?.(conn, p.stream);
  }

  private finished(p: Pending, result: StreamResult, conn: H2Connection, stream: number): void {
    if (p.cancelled) return;
    if (result.failure === "unprocessed" && p.attempts <= TRANSPARENT_RETRIES) {
      p.conn = undefined;
      p.stream = undefined;
      this.pending.unshift(p);
      this.pump();
      return;
    }
    const error = result.failure === "unprocessed" ? "unavailable" : result.failure;
    p.call.done({ pod: result.pod, error, conn, stream, attempts: p.attempts });
  }
}
