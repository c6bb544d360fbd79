import type { EventHandle, Nanos, Scheduler } from "../engine/index.ts";

/** How a BoundedFrequencyRunner is timed. */
export interface BoundedFrequencyRunnerOptions {
  readonly scheduler: Scheduler;
  /** Called on every run. */
  readonly run: () => void;
  /** No run starts sooner than this after the previous one. */
  readonly minInterval: Nanos;
  /** A run happens at least this often, requested or not. */
  readonly maxInterval: Nanos;
  /** Names the scheduler's events. */
  readonly component: string;
}

/**
 * Runs a function on request, at most once per `minInterval` and at least
 * once per `maxInterval`. Requests made while a run is not yet allowed are
 * coalesced into one run at the first allowed instant; requests made when a
 * run is allowed run at once (as a separate event at the same instant, so that
 * everything that happens at one instant is coalesced too). Runs take no
 * simulated time.
 */
// why: kube-proxy's runner.BoundedFrequencyRunner (pkg/proxy/runner): after fn the loop
// waits on minIntervalTimer before it takes another request; Run() is a non-blocking
// send on a 1-slot channel, so requests coalesce; maxIntervalTimer is reset after each
// run. (Older versions allowed token-bucket bursts of 2; the current one has none.)
export class BoundedFrequencyRunner {
  private lastRun: Nanos | undefined;
  private requested: EventHandle | undefined;
  private periodic: EventHandle | undefined;
  private active = false;

  constructor(private readonly options: BoundedFrequencyRunnerOptions) {
    if (options.maxInterval < options.minInterval) {
      throw new RangeError(`maxInterval (${options.maxInterval}ns) must be >= minInterval (${options.minInterval}ns)`);
    }
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.active;
  }

  /** The time of the last run, if any. */
  get lastRunAt(): Nanos | undefined {
    return this.lastRun;
  }

  /** Starts the loop: the periodic timer is armed; no run happens until requested or due. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.lastRun = undefined;
    this.armPeriodic();
  }

  /** Stops the loop: pending and periodic runs are cancelled. */
  stop(): void {
    this.active = false;
    this.options.scheduler.cancel(this.requested);
    this.options.scheduler.cancel(this.periodic);
    this.requested = undefined;
    this.periodic = undefined;
  }

  /** Asks for a run as soon as allowed. */
  request(): void {
    if (!this.active || (this.requested && !this.requested.done)) return;
    const { scheduler, minInterval } = this.options;
    const earliest = this.lastRun === undefined ? scheduler.now : Math.max(scheduler.now, this.lastRun + minInterval);
    this.requested = scheduler.at(earliest as Nanos, () => this.fire(), this.options.component);
  }

  private fire(): void {
    const { scheduler } = this.options;
    scheduler.cancel(this.requested);
    scheduler.cancel(this.periodic);
    this.requested = undefined;
    this.options.run();
    this.lastRun = scheduler.now;
    if (this.active) this.armPeriodic();
  }

  private armPeriodic(): void {
    const { scheduler, maxInterval } = this.options;
    this.periodic = scheduler.after(maxInterval, () => this.fire(), this.options.component);
  }
}
