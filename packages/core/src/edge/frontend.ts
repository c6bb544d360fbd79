import type { Scheduler } from "../engine/index.ts";
import type { Cidr, IPv4 } from "../net/index.ts";
import type { TcpStack } from "../workload/index.ts";
import type { ResolvedLbConfig } from "./config.ts";
import { describeProbe, HealthChecker } from "./health-check.ts";
import type { TargetHealth } from "./health-state.ts";
import type { LbListener, TargetSpec } from "./targets.ts";

/** Counts for one Service's load balancer. */
export interface FrontendStats {
  /** New flows forwarded. */
  flows: number;
  /** New flows per target key. */
  readonly perTarget: Map<string, number>;
  /** New flows forwarded while failing open (no healthy target). */
  failOpenFlows: number;
  /** Health state changes of its targets. */
  healthTransitions: number;
  /** Client packets answered with RST because their flow's target turned unhealthy. */
  resets: number;
  /** New flows dropped: source not in loadBalancerSourceRanges, no target, no listener. */
  readonly dropped: { sourceRange: number; noTarget: number; noListener: number };
}

/** A registered target and its checker. */
export interface Target {
  spec: TargetSpec;
  readonly checker: HealthChecker;
  readonly check: string;
}

/** Told when a target's state changes. */
export type HealthListener = (target: Target, from: TargetHealth, to: TargetHealth, result: string) => void;

/**
 * One LoadBalancer Service's frontend: its IP, its listeners (one per
 * Service port), its targets with their health checkers, and its counts.
 */
export class Frontend {
  readonly stats: FrontendStats = {
    flows: 0,
    perTarget: new Map(),
    failOpenFlows: 0,
    healthTransitions: 0,
    resets: 0,
    dropped: { sourceRange: 0, noTarget: 0, noListener: 0 },
  };
  listeners: readonly LbListener[] = [];
  /** `loadBalancerSourceRanges`, parsed; empty allows every source. */
  sourceRanges: readonly Cidr[] = [];
  private readonly targetMap = new Map<string, Target>();
  private rr = 0;

  constructor(
    /** `namespace/name`. */
    readonly service: string,
    readonly vip: IPv4,
    private readonly env: {
      readonly scheduler: Scheduler;
      readonly stack: TcpStack;
      readonly config: ResolvedLbConfig;
      readonly onHealth: HealthListener;
    },
  ) {}

  /** The targets, sorted by key. */
  targets(): Target[] {
    return [...this.targetMap.keys()].sort().map((k) => this.targetMap.get(k) as Target);
  }

  /** A target by key. */
  target(key: string): Target | undefined {
    return this.targetMap.get(key);
  }

  /** The listener for (proto, port). */
  listener(proto: string, port: number): LbListener | undefined {
    return this.listeners.find((l) => l.proto === proto && l.port === port);
  }

  /** The next round-robin counter value. */
  nextRoundRobin(): number {
    return this.rr++;
  }

  /**
   * Registers `specs` as the targets: new ones start `initial` with a new
   * checker, removed ones stop being checked, and a target whose check
   * changed (a new healthCheckNodePort, a policy switch) is re-registered.
   */
  sync(specs: readonly TargetSpec[]): void {
    const want = new Map(specs.map((s) => [s.key, s]));
    for (const [key, t] of this.targetMap) {
      const spec = want.get(key);
      if (spec === undefined || describeProbe(spec.probe) !== t.check) {
        t.checker.stop();
        this.targetMap.delete(key);
      }
    }
    for (const spec of specs) {
      const existing = this.targetMap.get(spec.key);
      if (existing) {
        existing.spec = spec;
        continue;
      }
      const holder: { target?: Target } = {};
      const checker = new HealthChecker({
        stack: this.env.stack,
        scheduler: this.env.scheduler,
        settings: spec.localCheck ? this.env.config.localHealthCheck : this.env.config.healthCheck,
        target: spec.probe,
        onChange: (from, to, result) => {
          this.stats.healthTransitions++;
          if (holder.target) this.env.onHealth(holder.target, from, to, result);
        },
      });
      holder.target = { spec, checker, check: describeProbe(spec.probe) };
      this.targetMap.set(spec.key, holder.target);
    }
  }

  /** Stops every checker (the Service is gone). */
  close(): void {
    for (const t of this.targetMap.values()) t.checker.stop();
    this.targetMap.clear();
  }
}
