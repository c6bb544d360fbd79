import type { ApiStore, NodeWatch } from "../control/index.ts";
import type { Rng, Scheduler } from "../engine/index.ts";
import { formatIPv4 } from "../net/index.ts";
import type { Network } from "../node/index.ts";
import type { TraceRecorder } from "../trace/index.ts";
import { CloudLoadBalancer } from "./cloud-lb.ts";
import { type CloudLoadBalancerConfig, resolveLbConfig } from "./config.ts";
import type { Frontend } from "./frontend.ts";
import type { TargetHealth } from "./health-state.ts";
import { type KubeProxyHealthOptions, KubeProxyHealthServer } from "./kube-proxy-health.ts";
import { LbServiceController } from "./service-controller.ts";

/** The parts of a simulated cluster the edge attaches to (a `SimCluster` fits). */
export interface EdgeEnv {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly tracer: TraceRecorder;
  readonly store: ApiStore;
  readonly network: Network;
  readonly watches: ReadonlyMap<string, NodeWatch>;
}

/**
 * Starts kube-proxy's health servers on every node that has a kube-proxy
 * watch (healthz on 10256 and the Services' healthCheckNodePorts). Call it
 * before the run starts, once; returns the servers by node name.
 */
export function installKubeProxyHealth(
  env: EdgeEnv,
  options: KubeProxyHealthOptions = {},
): ReadonlyMap<string, KubeProxyHealthServer> {
  const out = new Map<string, KubeProxyHealthServer>();
  for (const node of env.network.nodes()) {
    const watch = env.watches.get(node.name);
    if (watch === undefined) continue;
    out.set(node.name, new KubeProxyHealthServer(node, watch, env, options));
  }
  return out;
}

/** One Service's balancer, as counted so far. */
export interface FrontendSummary {
  readonly service: string;
  readonly vip: string;
  readonly flows: number;
  readonly failOpenFlows: number;
  readonly perTarget: Readonly<Record<string, number>>;
  readonly healthTransitions: number;
  readonly resets: number;
  readonly dropped: { readonly sourceRange: number; readonly noTarget: number; readonly noListener: number };
  readonly targets: readonly { key: string; state: TargetHealth; passed: number; failed: number }[];
}

/** The installed balancer. */
export interface CloudLoadBalancerHandle {
  readonly lb: CloudLoadBalancer;
  /** A Service's frontend (`namespace/name`), once provisioned. */
  frontend(service: string): Frontend | undefined;
  /** Counts per Service, sorted by Service name. */
  summary(): FrontendSummary[];
}

/**
 * Puts a cloud load balancer on the fabric that serves every LoadBalancer
 * Service (see {@link CloudLoadBalancerConfig} for the knobs). It needs the
 * nodes' kube-proxy health servers to check against: call
 * {@link installKubeProxyHealth} too. Throws InputError on a bad config.
 */
export function installCloudLoadBalancers(env: EdgeEnv, config: CloudLoadBalancerConfig = {}): CloudLoadBalancerHandle {
  const resolved = resolveLbConfig(config);
  const lb = new CloudLoadBalancer(env, resolved);
  const controller = new LbServiceController(lb, env);
  return {
    lb,
    frontend: (service) => controller.frontend(service),
    summary: () =>
      lb.allFrontends().map((f) => ({
        service: f.service,
        vip: formatIPv4(f.vip),
        flows: f.stats.flows,
        failOpenFlows: f.stats.failOpenFlows,
        perTarget: Object.fromEntries([...f.stats.perTarget].sort(([a], [b]) => (a < b ? -1 : 1))),
        healthTransitions: f.stats.healthTransitions,
        resets: f.stats.resets,
        dropped: { ...f.stats.dropped },
        targets: f.targets().map((t) => ({
          key: t.spec.key,
          state: t.checker.state,
          passed: t.checker.counts.passed,
          failed: t.checker.counts.failed,
        })),
      })),
  };
}
