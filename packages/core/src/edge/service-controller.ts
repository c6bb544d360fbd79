import type { Service } from "../api/index.ts";
import { SERVICE_NAME_LABEL } from "../api/index.ts";
import type { ApiStore } from "../control/index.ts";
import type { Scheduler } from "../engine/index.ts";
import { type Cidr, formatIPv4, type IPv4, tryParseCidr, tryParseIPv4 } from "../net/index.ts";
import type { Network } from "../node/index.ts";
import type { TraceRecorder } from "../trace/index.ts";
import type { CloudLoadBalancer } from "./cloud-lb.ts";
import { Frontend } from "./frontend.ts";
import { desiredTargets, listenersOf } from "./targets.ts";

/** What the controller needs. */
export interface LbControllerEnv {
  readonly scheduler: Scheduler;
  readonly tracer: TraceRecorder;
  readonly store: ApiStore;
  readonly network: Network;
}

/**
 * The cloud provider's service controller for one balancer: it watches
 * LoadBalancer Services, gives each a frontend IP from the pool
 * (`spec.loadBalancerIP` when it is free and in the pool), writes it to
 * `status.loadBalancer.ingress[0].ip` — which is what makes each node's
 * kube-proxy program the Service's load-balancer IP rules — and keeps the
 * targets registered (nodes, or ready Pods in IP mode). It also programs the
 * nodes: a route for the external client ranges via the balancer, and, for
 * passthrough providers, each frontend IP as a local address (the GCE guest
 * agent adds forwarded IPs to the `local` table; Azure's floating IP needs
 * the same).
 */
export class LbServiceController {
  private readonly byService = new Map<string, Frontend>();
  private readonly used = new Set<IPv4>();

  constructor(
    private readonly lb: CloudLoadBalancer,
    private readonly env: LbControllerEnv,
  ) {
    for (const node of env.network.nodes()) {
      for (const dst of lb.config.externalCidrs) node.routes.add({ dst, kind: "unicast", dev: "eth0", via: lb.ip });
    }
    env.store.watch((event) => {
      if (event.kind === "Service") this.onService(event.key, event.verb === "delete");
      else if (event.kind === "EndpointSlice" && lb.config.mode === "ip") {
        const svc = event.object.metadata.labels[SERVICE_NAME_LABEL];
        if (svc) this.reconcile(`${event.object.metadata.namespace}/${svc}`);
      }
    });
    for (const svc of env.store.list("Service"))
      this.onService(`${svc.metadata.namespace}/${svc.metadata.name}`, false);
  }

  /** The frontend of a Service, if provisioned. */
  frontend(service: string): Frontend | undefined {
    return this.byService.get(service);
  }

  private onService(key: string, deleted: boolean): void {
    if (deleted || this.byService.has(key)) {
      this.reconcile(key);
      return;
    }
    const svc = this.env.store.get("Service", key);
    if (svc?.spec.type !== "LoadBalancer") return;
    // why: creating the cloud load balancer takes the provider a while; the Service has no
    // ingress (and kube-proxy programs no LB-IP rules) until then.
    this.env.scheduler.after(this.lb.config.provisionDelay, () => this.reconcile(key), `edge/${this.lb.name}`);
  }

  private reconcile(key: string): void {
    const svc = this.env.store.get("Service", key);
    let frontend = this.byService.get(key);
    if (svc === undefined || svc.spec.type !== "LoadBalancer") {
      if (frontend !== undefined) this.release(key, frontend);
      return;
    }
    if (frontend === undefined) {
      const vip = this.allocate(svc);
      if (vip === undefined) return;
      frontend = new Frontend(key, vip, {
        scheduler: this.env.scheduler,
        stack: this.lb.stack,
        config: this.lb.config,
        onHealth: (target, from, to, result) => {
          if (!this.env.tracer.wants("lb.health") || from === to || to === "initial") return;
          this.env.tracer.emit({
            type: "lb.health",
            t: this.env.scheduler.now,
            node: this.lb.name,
            service: key,
            target: target.spec.key,
            check: target.check,
            from,
            to,
            result,
          });
        },
      });
      this.byService.set(key, frontend);
      this.lb.addFrontend(frontend);
      if (this.lb.config.preset.forwarding === "passthrough" && this.lb.config.mode === "instance") {
        for (const node of this.env.network.nodes()) node.routes.addLocal(vip);
      }
    }
    frontend.listeners = listenersOf(svc);
    frontend.sourceRanges = svc.spec.loadBalancerSourceRanges.flatMap((r) => tryParseCidr(r.trim()) ?? []) as Cidr[];
    frontend.sync(desiredTargets(svc, this.env.network.nodes(), this.env.store.list("EndpointSlice"), this.lb.config));
    this.writeStatus(svc, frontend.vip);
  }

  private writeStatus(svc: Service, vip: IPv4): void {
    const ip = formatIPv4(vip);
    const ingress = svc.status.loadBalancer.ingress;
    if (ingress.length === 1 && ingress[0]?.ip === ip && ingress[0].hostname === undefined) return;
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    this.env.store.patch(
      "Service",
      key,
      (draft) => {
        draft.status.loadBalancer.ingress = [{ ip }];
      },
      `load balancer ${ip}`,
    );
  }

  private release(key: string, frontend: Frontend): void {
    this.lb.removeFrontend(frontend.vip);
    this.used.delete(frontend.vip);
    this.byService.delete(key);
    for (const node of this.env.network.nodes()) node.routes.removeLocal(frontend.vip);
  }

  private allocate(svc: Service): IPv4 | undefined {
    const pool = this.lb.config.frontendPool;
    const size = 2 ** (32 - pool.bits);
    const inPool = (ip: IPv4) => (ip & pool.mask) >>> 0 === pool.base;
    const wanted = tryParseIPv4(svc.spec.loadBalancerIP ?? "");
    // The first two addresses are the network and the balancer's own; the last is broadcast.
    let vip: IPv4 | undefined;
    if (wanted !== undefined && inPool(wanted) && wanted !== this.lb.ip && !this.used.has(wanted)) vip = wanted;
    for (let i = 2; vip === undefined && i < size - 1; i++) {
      const ip = (pool.base + i) >>> 0;
      if (!this.used.has(ip)) vip = ip;
    }
    if (vip !== undefined) this.used.add(vip);
    return vip;
  }
}
