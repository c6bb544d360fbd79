import {
  type EventHandle,
  MAX_TIME,
  ms,
  type Nanos,
  type RandomStream,
  type Rng,
  type Scheduler,
} from "../engine/index.ts";
import { PoissonArrivals, type RatePoint, RateSchedule } from "./loadgen-arrivals.ts";
import type { RequestCarrier } from "./loadgen-carrier.ts";
import type { RequestError, RequestRecord } from "./messages.ts";

/**
 * How a client generates requests.
 * - `interval`: `requests` requests, one every `interval` (a fixed schedule).
 * - `open`: Poisson arrivals at `rate` requests/s, changed by `ramp`; arrivals
 *   do not wait for answers (an open system: a slow server gets a backlog).
 * - `closed`: `concurrency` workers, each sending its next request a think
 *   time after its last one ended (a closed system: a slow server slows the load).
 */
export type LoadPlan =
  | { readonly kind: "interval"; readonly interval: Nanos; readonly requests: number }
  | { readonly kind: "open"; readonly rate: number; readonly ramp?: readonly RatePoint[]; readonly requests?: number }
  | {
      readonly kind: "closed";
      readonly concurrency: number;
      readonly think: Nanos;
      readonly thinkDistribution?: "constant" | "exponential";
      readonly requests?: number;
    };

/** How long a closed-loop worker pauses after a request that failed at once, with no think time. */
const SYNC_FAILURE_PAUSE = ms(1);

/** What a load generator needs. */
export interface LoadGeneratorOptions {
  /** The client's name in records; names its random streams `workload/client/<name>/…`. */
  name: string;
  scheduler: Scheduler;
  rng: Rng;
  carrier: RequestCarrier;
  plan: LoadPlan;
  /** When the first request may start. */
  start: Nanos;
  /** No request starts at or after this time (default: until the run ends). */
  stop?: Nanos;
  /** The application's deadline for a whole request, waiting for a connection included. */
  timeout: Nanos;
  requestBytes: number;
  responseBytes: number;
  /** Every request, appended when it starts. */
  records: RequestRecord[];
}

/**
 * Drives a carrier with requests and records each one: start, end, the
 * connection it used and the Pod that answered (filled in by the carrier),
 * and the cause of any error — `timeout` when its deadline passed first.
 */
export class LoadGenerator {
  /** Requests started. */
  started = 0;
  /** Requests in flight now. */
  inFlight = 0;
  private nextId = 1;
  private readonly stop: number;
  private readonly component: string;
  private readonly think: RandomStream;

  constructor(private readonly o: LoadGeneratorOptions) {
    this.stop = o.stop ?? MAX_TIME;
    this.component = `client/${o.name}`;
    this.think = o.rng.stream(`workload/client/${o.name}/think`);
    const first = Math.max(o.scheduler.now, o.start);
    const { plan } = o;
    switch (plan.kind) {
      case "interval":
        // A client whose Pod came up after `start` sends its earlier requests at once.
        for (let i = 0; i < plan.requests; i++) {
          const at = Math.max(o.scheduler.now, o.start + i * plan.interval);
          if (at < this.stop) o.scheduler.at(at as Nanos, () => this.begin(), this.component);
        }
        return;
      case "open": {
        const arrivals = new PoissonArrivals(
          new RateSchedule(plan.rate, plan.ramp),
          o.rng.stream(`workload/client/${o.name}/arrivals`),
        );
        this.arrive(arrivals, first, plan.requests ?? Number.POSITIVE_INFINITY);
        return;
      }
      case "closed":
        for (let i = 0; i < plan.concurrency; i++) o.scheduler.at(first as Nanos, () => this.worker(), this.component);
        return;
    }
  }

  private arrive(arrivals: PoissonArrivals, after: number, left: number): void {
    if (left <= 0) return;
    const at = arrivals.next(after, this.stop);
    if (at === undefined) return;
    this.o.scheduler.at(
      at as Nanos,
      () => {
        this.begin();
        this.arrive(arrivals, at, left - 1);
      },
      this.component,
    );
  }

  /** One closed-loop worker: a request, then a think time, then the next. */
  private worker(): void {
    const { o } = this;
    const plan = o.plan as Extract<LoadPlan, { kind: "closed" }>;
    if (o.scheduler.now >= this.stop || this.started >= (plan.requests ?? Number.POSITIVE_INFINITY)) return;
    const startedAt = o.scheduler.now;
    this.begin(() => {
      let think =
        plan.thinkDistribution === "exponential" ? Math.round(this.think.exponential(plan.think)) : plan.think;
      // A simulator guard, not a model: a request that failed without any packet (no target, no
      // port) would otherwise loop at one instant when the think time is 0.
      if (think === 0 && o.scheduler.now === startedAt) think = SYNC_FAILURE_PAUSE;
      o.scheduler.after(think as Nanos, () => this.worker(), this.component);
    });
  }

  private begin(ended?: () => void): void {
    const { o } = this;
    const record: RequestRecord = { id: this.nextId++, client: o.name, protocol: "TCP", start: o.scheduler.now };
    o.records.push(record);
    this.started++;
    this.inFlight++;
    let finished = false;
    let deadline: EventHandle | undefined;
    const end = (error: RequestError | undefined) => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      o.scheduler.cancel(deadline);
      record.end = o.scheduler.now;
      if (error !== undefined) record.error = error;
      ended?.();
    };
    const abandon = o.carrier.send({
      record,
      requestBytes: o.requestBytes,
      responseBytes: o.responseBytes,
      done: (error) => end(error),
    });
    if (finished) return;
    deadline = o.scheduler.after(
      o.timeout,
      () => {
        if (finished) return;
        abandon();
        end("timeout");
      },
      this.component,
    );
  }
}
