import { type EventHandle, type Nanos, type RandomStream, type Scheduler, s } from "../../engine/index.ts";
import { formatEndpoint, type IPv4 } from "../../net/index.ts";
import { type H2ClientSettings, H2Connection } from "../http2/index.ts";
import type { TcpStack } from "../tcp/index.ts";
import { type BackoffConfig, backoffDelay, GRPC_BACKOFF } from "./backoff.ts";

/** gRPC connectivity states (doc/connectivity-semantics-and-api.md). */
export type ConnectivityState = "IDLE" | "CONNECTING" | "READY" | "TRANSIENT_FAILURE" | "SHUTDOWN";

/** gRPC's MIN_CONNECT_TIMEOUT (connection-backoff.md): a connection attempt's deadline, 20 s. */
export const GRPC_MIN_CONNECT_TIMEOUT: Nanos = s(20);

/** What a subchannel needs from its channel. */
export interface SubchannelEnv {
  readonly stack: TcpStack;
  readonly scheduler: Scheduler;
  readonly settings: H2ClientSettings;
  readonly backoff?: BackoffConfig;
  /** Backoff jitter. */
  readonly stream: RandomStream;
  readonly component: string;
  /** The connectivity state changed. */
  readonly changed: (sc: Subchannel) => void;
  /** Stream slots freed up on the READY connection. */
  readonly slots: (sc: Subchannel) => void;
  /** An established connection was lost (GOAWAY or close): the channel re-resolves. */
  readonly lost: (sc: Subchannel) => void;
}

/**
 * A subchannel: one backend address and at most one live transport (grpc-go
 * addrConn). IDLE → CONNECTING on connect(); READY once the server's
 * SETTINGS arrives; a connection that fails before that is
 * TRANSIENT_FAILURE, retried after exponential backoff; an established one
 * that receives GOAWAY or closes sends the subchannel back to IDLE (its
 * in-flight streams finish on the old connection) and triggers re-resolution.
 */
export class Subchannel {
  state: ConnectivityState = "IDLE";
  /** The transport new streams go on (READY only). */
  conn: H2Connection | undefined;
  /** Every connection this subchannel made, in order. */
  readonly dialled: H2Connection[] = [];
  private attempt: H2Connection | undefined;
  private failures = 0;
  private timer: EventHandle | undefined;

  constructor(
    readonly ip: IPv4,
    readonly port: number,
    private readonly env: SubchannelEnv,
  ) {}

  /** `ip:port`. */
  get address(): string {
    return formatEndpoint(this.ip, this.port);
  }

  /** Starts connecting if IDLE. */
  connect(): void {
    if (this.state !== "IDLE") return;
    this.set("CONNECTING");
    const conn = new H2Connection({
      stack: this.env.stack,
      scheduler: this.env.scheduler,
      ip: this.ip,
      port: this.port,
      settings: this.env.settings,
      events: {
        ready: (c) => this.ready(c),
        slots: () => this.env.slots(this),
        goaway: (c) => this.gone(c),
        closed: (c) => this.gone(c),
      },
    });
    this.dialled.push(conn);
    this.attempt = conn;
    if (conn.state === "closed") {
      this.failed();
      return;
    }
    // why: grpc-go dials with a deadline of max(backoff, MIN_CONNECT_TIMEOUT).
    this.timer = this.env.scheduler.after(
      GRPC_MIN_CONNECT_TIMEOUT,
      () => {
        if (this.attempt !== conn) return;
        conn.sock?.abort();
        if (this.attempt === conn) this.failed();
      },
      this.env.component,
    );
  }

  /** Removes the subchannel: its connection finishes its streams, then closes (GracefulClose). */
  shutdown(): void {
    this.env.scheduler.cancel(this.timer);
    this.conn?.shutdown();
    this.attempt?.shutdown();
    this.conn = undefined;
    this.attempt = undefined;
    this.state = "SHUTDOWN";
  }

  private ready(conn: H2Connection): void {
    if (this.attempt !== conn) return;
    this.env.scheduler.cancel(this.timer);
    this.attempt = undefined;
    this.conn = conn;
    this.failures = 0;
    this.set("READY");
  }

  private gone(conn: H2Connection): void {
    if (this.state === "SHUTDOWN") return;
    if (this.attempt === conn) {
      this.env.scheduler.cancel(this.timer);
      this.failed();
      return;
    }
    if (this.conn !== conn) return;
    // why: grpc-go addrConn onClose (GOAWAY or transport closed): "Refresh the
    // name resolver on any connection loss", then go IDLE and let the LB policy reconnect.
    this.conn = undefined;
    this.set("IDLE");
    this.env.lost(this);
  }

  private failed(): void {
    this.attempt = undefined;
    this.set("TRANSIENT_FAILURE");
    const delay = backoffDelay(this.env.backoff ?? GRPC_BACKOFF, this.failures++, this.env.stream);
    this.timer = this.env.scheduler.after(
      delay,
      () => {
        // why: after the backoff the subchannel is IDLE again and both pick_first and
        // round_robin ask it to connect (grpc-go pickfirst / endpointsharding).
        if (this.state !== "TRANSIENT_FAILURE") return;
        this.state = "IDLE";
        this.connect();
      },
      this.env.component,
    );
  }

  private set(state: ConnectivityState): void {
    this.state = state;
    this.env.changed(this);
  }
}
