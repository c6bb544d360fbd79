import type { EventHandle, Nanos, Scheduler } from "../engine/index.ts";
import { formatEndpoint, type IPv4 } from "../net/index.ts";
import type { TcpSocket, TcpStack } from "../workload/index.ts";
import { HealthCounter, type TargetHealth } from "./health-state.ts";
import { type HealthRequest, isHealthResponse, requestBytes } from "./http-health.ts";
import type { HealthCheckSettings, HealthProtocol } from "./presets.ts";

/** What one health check connects to. */
export interface HealthProbeTarget {
  readonly protocol: HealthProtocol;
  readonly ip: IPv4;
  readonly port: number;
  /** The HTTP path; ignored for TCP. */
  readonly path: string;
}

/** How to build a checker. */
export interface HealthCheckerOptions {
  /** The load balancer's TCP stack (its health-check source address). */
  readonly stack: TcpStack;
  readonly scheduler: Scheduler;
  readonly settings: HealthCheckSettings;
  readonly target: HealthProbeTarget;
  /** When the first check starts; now when absent. */
  readonly firstAt?: Nanos;
  /** Told when the target's state changes, with the deciding check's result. */
  readonly onChange?: (from: TargetHealth, to: TargetHealth, result: string) => void;
}

/** `HTTP 10.0.0.2:32000/healthz` or `TCP 10.244.1.5:8080`. */
export function describeProbe(t: HealthProbeTarget): string {
  const where = formatEndpoint(t.ip, t.port);
  return t.protocol === "HTTP" ? `HTTP ${where}${t.path}` : `TCP ${where}`;
}

/**
 * Checks one target every `interval` with real packets from the load
 * balancer: each check opens a new TCP connection; a TCP check passes when
 * the handshake completes, an HTTP check when a `GET path` is answered with
 * a status in `successCodes`; a RST (refused), an ICMP error, a status out
 * of range or no answer within `timeout` fails it. The checker closes the
 * connection after the answer (FIN) and abandons it on timeout.
 *
 * Simplified: checks start exactly every interval from the first (real
 * checkers jitter), and one checker stands for all of a balancer's nodes
 * (each AWS NLB node, each Google front end checks on its own).
 */
export class HealthChecker {
  readonly counter: HealthCounter;
  /** Checks started, passed and failed. */
  readonly counts = { started: 0, passed: 0, failed: 0 };
  /** The last check's result: an HTTP status, `connected`, `refused`, `timeout`, … */
  lastResult = "";
  private timer: EventHandle | undefined;
  private stopped = false;

  constructor(private readonly options: HealthCheckerOptions) {
    this.counter = new HealthCounter(options.settings);
    this.timer = options.scheduler.at(options.firstAt ?? options.scheduler.now, () => this.tick(), "edge/health");
  }

  /** The target's state. */
  get state(): TargetHealth {
    return this.counter.state;
  }

  /** Stops checking (the target was deregistered). */
  stop(): void {
    this.stopped = true;
    this.options.scheduler.cancel(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    const { scheduler, settings } = this.options;
    this.timer = scheduler.after(settings.interval, () => this.tick(), "edge/health");
    this.check();
  }

  private check(): void {
    const { stack, scheduler, settings, target } = this.options;
    this.counts.started++;
    let done = false;
    let sock: TcpSocket | undefined;
    const finish = (ok: boolean, result: string) => {
      if (done) return;
      done = true;
      scheduler.cancel(deadline);
      this.record(ok, result);
    };
    const deadline = scheduler.after(
      settings.timeout,
      () => {
        if (done) return;
        sock?.abort();
        finish(false, "timeout");
      },
      "edge/health",
    );
    sock = stack.connect(target.ip, target.port, {
      handlers: {
        connected: (s) => {
          if (target.protocol === "TCP") {
            finish(true, "connected");
            s.close();
            return;
          }
          const request: HealthRequest = { kind: "http-request", method: "GET", path: target.path };
          s.send(requestBytes(target.path, target.ip, target.port), request);
        },
        message: (message, _bytes, s) => {
          if (!isHealthResponse(message)) return;
          const [lo, hi] = settings.successCodes;
          finish(message.status >= lo && message.status <= hi, String(message.status));
          s.close();
        },
        peerClosed: (s) => {
          finish(false, "closed");
          s.close();
        },
        error: (errno) => finish(false, errno === "ECONNREFUSED" ? "refused" : errno),
      },
    });
    if (sock === undefined) finish(false, "no-port");
  }

  private record(ok: boolean, result: string): void {
    if (this.stopped) return;
    this.lastResult = result;
    ok ? this.counts.passed++ : this.counts.failed++;
    const from = this.counter.state;
    const to = this.counter.feed(ok);
    if (to !== undefined) this.options.onChange?.(from, to, result);
  }
}
