import type { ApiStore, NodeView, NodeWatch } from "../control/index.ts";
import { formatTimestamp, type Nanos, type Rng, type Scheduler } from "../engine/index.ts";
import type { Node } from "../node/index.ts";
import { type TcpListener, TcpStack } from "../workload/index.ts";
import { serveHealth } from "./http-health.ts";
import { serviceHealthStates } from "./local-endpoints.ts";

/** kube-proxy's default `--healthz-bind-address` port (pkg/cluster/ports ProxyHealthzPort). */
export const KUBE_PROXY_HEALTHZ_PORT = 10256;

/** How a node's kube-proxy health servers behave. */
export interface KubeProxyHealthOptions {
  /** The healthz port; default 10256. */
  readonly healthzPort?: number;
  /** How long a queued update may wait for a sync before healthz says 503; default 2 × the watch's syncPeriod. */
  readonly healthTimeout?: Nanos;
}

/** Answers given so far, by server and status. */
export interface KubeProxyHealthStats {
  healthz200: number;
  healthz503: number;
  service200: number;
  service503: number;
}

interface ServiceListener {
  readonly port: number;
  readonly listener: TcpListener;
  localEndpoints: number;
}

/**
 * One node's kube-proxy health servers, real TCP listeners in the node's host
 * namespace: the proxier healthz server (`/healthz`, `/livez` on 10256) and
 * one service health server per Service with externalTrafficPolicy Local, on
 * its healthCheckNodePort. They answer from what this node's kube-proxy last
 * synced, and they live and die with the process: NodeWatch.stop() closes
 * every listener (a SYN is then answered with RST by the kernel), start()
 * re-opens healthz at once and the service listeners at the first sync.
 *
 * Simplified: nodeEligible (the ToBeDeletedByClusterAutoscaler taint and the
 * Node's deletion, SyncNode) is always true; connections open when the
 * process dies are left to time out instead of being reset.
 */
// why: pkg/proxy/healthcheck/proxier_health.go (proxierHealthServer) and
// service_health.go (server.SyncServices / SyncEndpoints / hcHandler).
export class KubeProxyHealthServer {
  readonly node: string;
  readonly stats: KubeProxyHealthStats = { healthz200: 0, healthz503: 0, service200: 0, service503: 0 };
  private readonly stack: TcpStack;
  private readonly healthzPort: number;
  private readonly healthTimeout: Nanos;
  private healthz: TcpListener | undefined;
  private readonly services = new Map<string, ServiceListener>();
  private oldestPendingQueued: Nanos | undefined;
  private lastUpdated: Nanos | undefined;

  constructor(
    node: Node,
    private readonly watch: NodeWatch,
    private readonly env: { readonly scheduler: Scheduler; readonly rng: Rng; readonly store: ApiStore },
    options: KubeProxyHealthOptions = {},
  ) {
    this.node = node.name;
    this.stack = TcpStack.of(node.host, env.scheduler, env.rng);
    this.healthzPort = options.healthzPort ?? KUBE_PROXY_HEALTHZ_PORT;
    // why: cmd/kube-proxy/app/server.go builds the healthz server with
    // healthTimeout = 2 × the proxier's syncPeriod.
    this.healthTimeout = options.healthTimeout ?? ((2 * watch.syncPeriod) as Nanos);
    const previous = watch.onSync;
    watch.onSync = (view, full, now) => {
      previous?.(view, full, now);
      this.synced(view, now);
    };
    watch.onLifecycle({ stopped: () => this.exited(), started: () => this.started() });
    env.store.watch((event) => {
      if (event.kind === "Service" || event.kind === "EndpointSlice") this.queuedUpdate();
    });
    if (watch.running) this.started();
  }

  /** Whether healthz would answer 200 now (proxierHealthServer.isHealthy). */
  isHealthy(): boolean {
    if (!this.watch.running) return false;
    // why: healthy while no update is queued, or the oldest queued one is younger than healthTimeout.
    const pending = this.oldestPendingQueued;
    return pending === undefined || this.env.scheduler.now - pending < this.healthTimeout;
  }

  /** The open service health listeners: `namespace/name` → port and local endpoint count. */
  serviceListeners(): Map<string, { port: number; localEndpoints: number }> {
    return new Map([...this.services].map(([k, s]) => [k, { port: s.port, localEndpoints: s.localEndpoints }]));
  }

  /** Whether the healthz listener is open. */
  get listening(): boolean {
    return this.healthz !== undefined;
  }

  // why: proxier.OnServiceUpdate / OnEndpointSliceUpdate call QueuedUpdate, which
  // records the oldest pending change. Simplified: taken at the API write, not
  // `watchDelay` later when the informer delivers it.
  private queuedUpdate(): void {
    if (!this.watch.running || this.oldestPendingQueued !== undefined) return;
    this.oldestPendingQueued = this.env.scheduler.now;
  }

  private synced(view: NodeView, now: Nanos): void {
    if (this.healthz === undefined) this.openHealthz();
    const states = serviceHealthStates(view, this.node);
    for (const [key, open] of this.services) {
      const want = states.get(key);
      if (want === undefined || want.port !== open.port) {
        open.listener.close();
        this.services.delete(key);
      }
    }
    for (const [key, want] of states) {
      let open = this.services.get(key);
      if (open === undefined) {
        const listener = this.listen(want.port, (_path) => this.answerService(key));
        // why: SyncServices logs FailedToStartServiceHealthcheck and goes on when the port is taken.
        if (listener === undefined) continue;
        open = { port: want.port, listener, localEndpoints: 0 };
        this.services.set(key, open);
      }
      open.localEndpoints = want.localEndpoints;
    }
    // why: syncProxyRules calls healthzServer.Updated() after a successful sync.
    this.oldestPendingQueued = undefined;
    this.lastUpdated = now;
  }

  private started(): void {
    this.oldestPendingQueued = undefined;
    this.lastUpdated = undefined;
    this.openHealthz();
  }

  private exited(): void {
    this.healthz?.close();
    this.healthz = undefined;
    for (const open of this.services.values()) open.listener.close();
    this.services.clear();
  }

  private openHealthz(): void {
    if (this.healthz !== undefined) return;
    this.healthz = this.listen(this.healthzPort, (path) => this.answerHealthz(path));
  }

  private listen(port: number, handler: (path: string) => { status: number; body: string }): TcpListener | undefined {
    if (this.stack.netns.isBound("TCP", port)) return undefined;
    return serveHealth(this.stack, port, handler);
  }

  private answerHealthz(path: string): { status: number; body: string } {
    const now = this.env.scheduler.now;
    // why: the healthz mux serves /healthz and /livez; anything else is Go's 404.
    if (path !== "/healthz" && path !== "/livez") return { status: 404, body: "404 page not found\n" };
    const healthy = this.isHealthy();
    if (path === "/healthz") healthy ? this.stats.healthz200++ : this.stats.healthz503++;
    // why: a healthy answer reports lastUpdated = currentTime (kept for compatibility).
    const last = healthy ? now : (this.lastUpdated ?? 0);
    const eligible = path === "/healthz" ? `, "nodeEligible": true` : "";
    const body = `{"lastUpdated": "${formatTimestamp(last)}","currentTime": "${formatTimestamp(now)}"${eligible}}`;
    return { status: healthy ? 200 : 503, body };
  }

  private answerService(key: string): { status: number; body: string } {
    const count = this.services.get(key)?.localEndpoints ?? 0;
    const healthy = this.isHealthy();
    // why: hcHandler answers 200 only when the Service has local endpoints and the proxier is healthy.
    const ok = count !== 0 && healthy;
    ok ? this.stats.service200++ : this.stats.service503++;
    const [namespace, name] = key.split("/");
    const body = `{"service": {"namespace": "${namespace}", "name": "${name}"}, "localEndpoints": ${count}, "serviceProxyHealthy": ${healthy}}`;
    return { status: ok ? 200 : 503, body };
  }
}
