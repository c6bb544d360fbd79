import type { EndpointSlice, KubeObject, Service } from "../api/index.ts";
import { ms, type Nanos, type Scheduler, s } from "../engine/index.ts";
import { HEADLESS_LABEL, SERVICE_PROXY_NAME_LABEL } from "./endpoints.ts";
import { compareStrings } from "./objects.ts";
import { BoundedFrequencyRunner } from "./runner.ts";
import type { ApiStore, WatchEvent } from "./store.ts";

/**
 * What one node's proxy has seen of the API, keyed `namespace/name` and
 * iterated in key order. Structurally the proxy layer's `ProxyView`.
 */
export interface NodeView {
  readonly services: ReadonlyMap<string, Service>;
  readonly endpointSlices: ReadonlyMap<string, EndpointSlice>;
}

/** Told when a node's kube-proxy process dies or starts. */
export interface KubeProxyLifecycle {
  stopped(): void;
  started(): void;
}

/** Called at each sync with the node's seen view; `full` for a full resync. */
export type SyncCallback = (view: NodeView, full: boolean, now: Nanos) => void;

/** How one node's kube-proxy watch and sync loop are timed. */
export interface NodeWatchOptions {
  readonly node: string;
  readonly store: ApiStore;
  readonly scheduler: Scheduler;
  /** From an API change to this node's informer receiving it. Default 100 ms (an assumption, not a measurement). */
  readonly watchDelay?: Nanos;
  /** Default 1 s: kube-proxy's `iptables.minSyncPeriod` default (pkg/proxy/apis/config/v1alpha1/defaults.go). */
  readonly minSyncPeriod?: Nanos;
  /**
   * Default 30 s (`iptables.syncPeriod`). Current kube-proxy uses it only as the
   * retry interval after a failed sync and as the canary-check period; syncs
   * never fail here, so it does not cause syncs.
   */
  readonly syncPeriod?: Nanos;
  /** Periodic full resync, also the runner's maxInterval. Default 1 h (`proxyutil.FullSyncPeriod`). */
  readonly fullSyncPeriod?: Nanos;
  readonly onSync?: SyncCallback;
  /** Start at construction (default true). */
  readonly started?: boolean;
}

/**
 * One node's kube-proxy between the API and the dataplane: its informers
 * receive each Service/EndpointSlice change `watchDelay` after it happened (in
 * order), and each change asks the sync runner for a sync, which runs no
 * sooner than `minSyncPeriod` after the previous one and at least every
 * `fullSyncPeriod`. A sync that runs at `t` first applies every delivery due at
 * `t`, whichever event the scheduler happened to order first. `stop()` is kube-proxy killed: nothing more is seen or
 * synced and the view freezes. `start()` is a restart: a fresh LIST seen
 * `watchDelay` later, then a full sync at once.
 */
// why: pkg/proxy/config ServiceConfig/EndpointSliceConfig informer handlers →
// proxier.OnServiceUpdate/OnEndpointSliceUpdate → proxier.Sync() → syncRunner.Run();
// the iptables proxier builds its runner with (minSyncPeriod, syncPeriod as retry,
// FullSyncPeriod) and syncProxyRules does a full sync when needFullSync (set at
// startup) or when FullSyncPeriod has passed since the last full sync.
export class NodeWatch {
  readonly node: string;
  /** kube-proxy's syncPeriod: the retry and canary-check interval, for the proxy layer to use. */
  readonly syncPeriod: Nanos;
  /** Called at each sync; replaceable. */
  onSync: SyncCallback | undefined;
  private readonly lifecycle: KubeProxyLifecycle[] = [];
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, EndpointSlice>();
  private readonly runner: BoundedFrequencyRunner;
  private readonly unwatch: () => void;
  private readonly watchDelay: Nanos;
  private readonly fullSyncPeriod: Nanos;
  /** Incremented by stop/start so that deliveries of an old watch are dropped. */
  private generation = 0;
  private active = false;
  private initialized = false;
  private needFullSync = true;
  private lastFullSync: Nanos | undefined;
  private lastDelivery = 0;
  /** Deliveries scheduled and not yet applied, in delivery order (their times never decrease). */
  private readonly inbox: Delivery[] = [];
  private cached: NodeView | undefined;
  private last: { at: Nanos; full: boolean; view: NodeView } | undefined;
  /** Syncs run so far. */
  syncs = 0;

  constructor(private readonly options: NodeWatchOptions) {
    this.node = options.node;
    this.syncPeriod = options.syncPeriod ?? s(30);
    this.onSync = options.onSync;
    this.watchDelay = options.watchDelay ?? ms(100);
    this.fullSyncPeriod = options.fullSyncPeriod ?? s(3600);
    this.runner = new BoundedFrequencyRunner({
      scheduler: options.scheduler,
      run: () => this.sync(false),
      minInterval: options.minSyncPeriod ?? s(1),
      maxInterval: this.fullSyncPeriod,
      component: `control/watch/${options.node}`,
    });
    this.unwatch = options.store.watch((event) => this.onEvent(event));
    if (options.started ?? true) this.start();
  }

  /** True while kube-proxy runs on this node. */
  /**
   * Tells `listener` each time kube-proxy's process dies (stop) or starts
   * (start): what else lives in the process, such as its health servers'
   * sockets, dies and starts with it.
   */
  onLifecycle(listener: KubeProxyLifecycle): void {
    this.lifecycle.push(listener);
  }

  get running(): boolean {
    return this.active;
  }

  /** What the node's informers hold now (sorted copies of the maps). */
  seen(): NodeView {
    if (!this.cached) {
      this.cached = { services: sortedCopy(this.services), endpointSlices: sortedCopy(this.slices) };
    }
    return this.cached;
  }

  /** The view handed to the last sync (what the dataplane was programmed from), its time and kind. */
  lastSync(): { at: Nanos; full: boolean; view: NodeView } | undefined {
    return this.last;
  }

  /** kube-proxy (re)starts: LIST now, seen `watchDelay` later, then an immediate full sync. */
  // why: proxier.OnServiceSynced / OnEndpointSlicesSynced call syncProxyRules directly
  // once the initial LIST is in, with needFullSync true for a new proxier.
  start(): void {
    if (this.active) return;
    this.active = true;
    for (const l of this.lifecycle) l.started();
    this.initialized = false;
    const gen = ++this.generation;
    const { store, scheduler } = this.options;
    const services = store.list("Service").filter(visible);
    const slices = store.list("EndpointSlice").filter(visible);
    this.lastDelivery = scheduler.now + this.watchDelay;
    scheduler.at(
      this.lastDelivery as Nanos,
      () => {
        if (gen !== this.generation) return;
        this.services.clear();
        this.slices.clear();
        for (const svc of services) this.services.set(keyOf(svc), svc);
        for (const slice of slices) this.slices.set(keyOf(slice), slice);
        this.cached = undefined;
        this.initialized = true;
        this.needFullSync = true;
        this.runner.start();
        this.sync(true);
      },
      `control/watch/${this.node}`,
    );
  }

  /** kube-proxy is killed: no more deliveries or syncs; the seen view and the last sync freeze. */
  stop(): void {
    if (this.active) for (const l of this.lifecycle) l.stopped();
    this.active = false;
    this.generation++;
    this.inbox.length = 0;
    this.runner.stop();
  }

  /** Stops for good and unsubscribes from the store. */
  close(): void {
    this.stop();
    this.unwatch();
  }

  /** Syncs now, fully, bypassing the runner (kube-proxy's forceSyncProxyRules, e.g. after a flushed table). */
  forceFullSync(): void {
    if (!this.initialized || !this.active) return;
    this.needFullSync = true;
    this.sync(true);
  }

  private onEvent(event: WatchEvent): void {
    if (!this.active || (event.kind !== "Service" && event.kind !== "EndpointSlice")) return;
    const gen = this.generation;
    const { scheduler } = this.options;
    // A watch is one ordered stream: a delivery never overtakes an earlier one.
    this.lastDelivery = Math.max(scheduler.now + this.watchDelay, this.lastDelivery);
    const delivery: Delivery = { at: this.lastDelivery, event };
    this.inbox.push(delivery);
    scheduler.at(
      this.lastDelivery as Nanos,
      () => {
        // Already applied by a sync at this instant (see applyDue), or dropped by stop().
        if (gen !== this.generation || this.inbox[0] !== delivery) return;
        this.inbox.shift();
        this.deliver(event, true);
      },
      `control/watch/${this.node}`,
    );
  }

  /**
   * Applies, without asking for another sync, every delivery due by now: called by a
   * sync so that it sees all that its node's informers hold at this instant.
   */
  // why: in kube-proxy a delivery and a due sync at the same instant race, but the
  // informer handler only records the change in the change tracker and then calls
  // Sync(), a non-blocking send on the runner's 1-slot channel (pkg/proxy/iptables/
  // proxier.go OnEndpointSliceUpdate; pkg/proxy/runner/bounded_frequency_runner.go Run);
  // syncProxyRules reads the trackers only once it runs. So a change delivered at t is
  // in a sync that runs at t, and its Sync() is coalesced into that sync's request.
  // Scheduler order alone would let a sync due at t (scheduled when it was held back
  // by minSyncPeriod) run first and defer the change by one more minSyncPeriod.
  private applyDue(now: Nanos): void {
    const inbox = this.inbox;
    while (inbox.length > 0 && (inbox[0] as Delivery).at <= now) {
      this.deliver((inbox.shift() as Delivery).event, false);
    }
  }

  private deliver(event: WatchEvent, request: boolean): void {
    const map = (event.kind === "Service" ? this.services : this.slices) as Map<string, KubeObject>;
    // why: kube-proxy's informers use a label selector excluding the service-proxy-name and
    // headless labels (cmd/kube-proxy/app/server.go); an object that stops matching is
    // delivered as a deletion.
    if (event.verb === "delete" || !visible(event.object)) {
      if (!map.delete(event.key)) return;
    } else map.set(event.key, event.object);
    this.cached = undefined;
    if (request && this.initialized) this.runner.request();
  }

  private sync(forced: boolean): void {
    const now = this.options.scheduler.now;
    this.applyDue(now);
    const full =
      forced ||
      this.needFullSync ||
      this.lastFullSync === undefined ||
      // why: syncProxyRules — `time.Since(lastFullSync) > FullSyncPeriod`; the runner's
      // maxInterval timer fires a hair after that in a real process, exactly at it here.
      now - this.lastFullSync >= this.fullSyncPeriod;
    const view = this.seen();
    this.syncs++;
    this.last = { at: now, full, view };
    if (full) {
      this.needFullSync = false;
      this.lastFullSync = now;
    }
    this.onSync?.(view, full, now);
  }
}

/** One watch event on its way to the node's informers. */
interface Delivery {
  readonly at: number;
  readonly event: WatchEvent;
}

/** True unless the object carries a label kube-proxy's informers filter out. */
function visible(object: KubeObject): boolean {
  const labels = object.metadata.labels;
  return !(SERVICE_PROXY_NAME_LABEL in labels) && !(HEADLESS_LABEL in labels);
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace}/${object.metadata.name}`;
}

function sortedCopy<T>(map: ReadonlyMap<string, T>): ReadonlyMap<string, T> {
  return new Map([...map.keys()].sort(compareStrings).map((k) => [k, map.get(k) as T]));
}
