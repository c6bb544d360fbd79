import type { HealthCheckSettings } from "./presets.ts";

/** A target's health as the load balancer sees it (AWS's target states, without draining). */
export type TargetHealth = "initial" | "healthy" | "unhealthy";

/**
 * Counts consecutive passes and failures of one target and says when its
 * state changes:
 * - `initial` (just registered): `initialHealthyThreshold` passes in a row →
 *   healthy; `unhealthyThreshold` failures in a row → unhealthy;
 * - `healthy`: `unhealthyThreshold` failures in a row → unhealthy;
 * - `unhealthy`: `healthyThreshold` passes in a row → healthy.
 * Any result of the other kind restarts the count.
 */
export class HealthCounter {
  state: TargetHealth = "initial";
  private passes = 0;
  private failures = 0;

  constructor(private readonly settings: HealthCheckSettings) {}

  /** Feeds one check's result; returns the new state when it changed. */
  feed(ok: boolean): TargetHealth | undefined {
    const s = this.settings;
    if (ok) {
      this.failures = 0;
      this.passes++;
      if (this.state === "healthy") return undefined;
      const need = this.state === "initial" ? s.initialHealthyThreshold : s.healthyThreshold;
      return this.passes >= need ? this.move("healthy") : undefined;
    }
    this.passes = 0;
    this.failures++;
    if (this.state === "unhealthy") return undefined;
    return this.failures >= s.unhealthyThreshold ? this.move("unhealthy") : undefined;
  }

  private move(to: TargetHealth): TargetHealth {
    this.state = to;
    this.passes = 0;
    this.failures = 0;
    return to;
  }
}
