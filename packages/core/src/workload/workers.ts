import type { Nanos, Scheduler } from "../engine/index.ts";

interface Job {
  readonly duration: () => Nanos;
  readonly done: () => void;
}

/**
 * A server's worker pool: at most `size` jobs run at once, the rest wait in
 * FIFO order (a thread pool or a fixed number of worker processes). Without
 * a size every job starts at once. A job's duration is drawn when it starts.
 */
export class WorkerPool {
  /** Jobs running now. */
  busy = 0;
  private readonly waiting: Job[] = [];

  constructor(
    private readonly sched: Scheduler,
    private readonly size: number | undefined,
    private readonly component: string,
  ) {
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 1)) {
      throw new RangeError(`a worker pool needs at least one worker, got ${size}`);
    }
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs a job now if a worker is free, else queues it. */
  run(duration: () => Nanos, done: () => void): void {
    const job = { duration, done };
    if (this.size !== undefined && this.busy >= this.size) this.waiting.push(job);
    else this.start(job);
  }

  private start(job: Job): void {
    this.busy++;
    this.sched.after(
      job.duration(),
      () => {
        this.busy--;
        job.done();
        const next = this.waiting.shift();
        if (next) this.start(next);
      },
      this.component,
    );
  }
}
