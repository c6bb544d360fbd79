import { type EventHandle, type Nanos, type RandomStream, type Scheduler, s } from "../../engine/index.ts";
import type { IPv4 } from "../../net/index.ts";
import { type BackoffConfig, backoffDelay, GRPC_BACKOFF } from "./backoff.ts";

/**
 * Looks a host name up (getaddrinfo through the Pod's resolver, in a
 * cluster): `done` gets the IPv4 addresses, or undefined when it failed.
 */
export type NameLookup = (host: string, done: (addresses: readonly IPv4[] | undefined) => void) => void;

/**
 * grpc-go's dns resolver MinResolutionInterval (internal/resolver/dns/
 * dns_resolver.go): a successful resolution is followed by the next no
 * sooner than 30 s later, however often ResolveNow is called.
 */
export const GRPC_MIN_RESOLUTION_INTERVAL: Nanos = s(30);

/** What a watcher needs. */
export interface DnsWatcherOptions {
  readonly scheduler: Scheduler;
  readonly host: string;
  readonly lookup: NameLookup;
  /** Default {@link GRPC_MIN_RESOLUTION_INTERVAL}. */
  readonly minInterval?: Nanos;
  /**
   * Re-resolve this long after each resolution even without ResolveNow.
   * grpc-go has no such poll (it waits for ResolveNow); this models a
   * resolver or runtime that polls (a custom resolver, a DNS TTL honoured).
   */
  readonly poll?: Nanos;
  /** Backoff after a failed lookup (default grpc-go's). */
  readonly backoff?: BackoffConfig;
  /** Jitter for the backoff. */
  readonly stream: RandomStream;
  readonly component: string;
  /** A successful resolution: the addresses in answer order. */
  readonly update: (addresses: readonly IPv4[]) => void;
  /** A failed resolution (NXDOMAIN, timeout, no addresses). */
  readonly failed: () => void;
}

/**
 * A gRPC DNS name resolver (grpc-go dnsResolver.watcher): resolves at once,
 * then, after a success, waits for ResolveNow — which the channel calls when
 * a connection is lost — and resolves no sooner than `minInterval` after the
 * last success; after a failure it retries with exponential backoff.
 * ResolveNow calls while waiting collapse into one (a 1-slot channel).
 */
export class DnsWatcher {
  /** Lookups started. */
  lookups = 0;
  /** When the last successful resolution finished (ns). */
  lastSuccess: number | undefined;
  private inFlight = false;
  private requested = false;
  private failures = 0;
  private timer: EventHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(private readonly o: DnsWatcherOptions) {}

  /** Starts watching: the first lookup goes out now. */
  start(): void {
    this.lookup();
  }

  /** Asks for a re-resolution (grpc-go ResolveNow). */
  resolveNow(): void {
    if (this.closed) return;
    this.requested = true;
    if (!this.inFlight && this.failures === 0 && this.lastSuccess !== undefined) {
      this.at(this.lastSuccess + (this.o.minInterval ?? GRPC_MIN_RESOLUTION_INTERVAL));
    }
  }

  /** Stops: no more lookups. */
  close(): void {
    this.closed = true;
    this.o.scheduler.cancel(this.timer);
  }

  private lookup(): void {
    if (this.closed) return;
    this.inFlight = true;
    this.requested = false;
    this.lookups++;
    this.o.lookup(this.o.host, (addresses) => {
      this.inFlight = false;
      if (this.closed) return;
      const now = this.o.scheduler.now;
      if (addresses && addresses.length > 0) {
        this.failures = 0;
        this.lastSuccess = now;
        this.o.update(addresses);
        const min = this.o.minInterval ?? GRPC_MIN_RESOLUTION_INTERVAL;
        if (this.requested) this.at(now + min);
        if (this.o.poll !== undefined) this.at(now + Math.max(this.o.poll, min));
        return;
      }
      // why: grpc-go watcher(): on an error, poll again after
      // backoff.DefaultExponential.Backoff(backoffIndex), backoffIndex from 1.
      this.failures++;
      this.o.failed();
      this.at(now + backoffDelay(this.o.backoff ?? GRPC_BACKOFF, this.failures, this.o.stream));
    });
  }

  /** Schedules the next lookup at `t` unless one is due sooner. */
  private at(t: number): void {
    const when = Math.max(t, this.o.scheduler.now);
    if (this.timer && !this.timer.done && this.timerAt <= when) return;
    this.o.scheduler.cancel(this.timer);
    this.timerAt = when;
    this.timer = this.o.scheduler.at(
      when as Nanos,
      () => {
        this.timerAt = Number.POSITIVE_INFINITY;
        this.lookup();
      },
      this.o.component,
    );
  }
}
