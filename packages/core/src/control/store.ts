import { type Draft, freeze, produce } from "immer";
import type { KubeKind, KubeObject } from "../api/index.ts";
import { InputError, type Nanos } from "../engine/index.ts";
import type { TraceRecorder } from "../trace/index.ts";
import { compareStrings, deepEqual, type ObjectOfKind, objectKey } from "./objects.ts";

/** What happened to an object. */
export type WatchVerb = "create" | "update" | "delete";

/** One change to one object of kind `K`, as a watch delivers it. */
export interface WatchEventOf<K extends KubeKind> {
  readonly verb: WatchVerb;
  readonly kind: K;
  /** `namespace/name` (`name` for Nodes). */
  readonly key: string;
  /** The object after the change; for `delete`, its last state. */
  readonly object: ObjectOfKind<K>;
  /** The object before the change; undefined for `create`. */
  readonly old: ObjectOfKind<K> | undefined;
  /** The store's resourceVersion after this change (strictly increasing). */
  readonly resourceVersion: number;
  /** Simulated time of the change. */
  readonly t: Nanos;
}

/** A change to any object; narrow on `kind`. */
export type WatchEvent = { [K in KubeKind]: WatchEventOf<K> }[KubeKind];

/** Receives every change, synchronously and in resourceVersion order. */
export type WatchHandler = (event: WatchEvent) => void;

/** Plain copies of every object, by kind then key (keys in sorted order). */
export interface StoreSnapshot {
  resourceVersion: number;
  objects: { [K in KubeKind]: Record<string, ObjectOfKind<K>> };
}

/** How the store tells time and where it records `api` trace events. */
export interface ApiStoreOptions {
  /** Usually the engine's Scheduler; time 0 when absent. */
  readonly clock?: { readonly now: Nanos };
  readonly trace?: TraceRecorder;
}

const KINDS: readonly KubeKind[] = ["Deployment", "EndpointSlice", "Node", "Pod", "Service"];

/**
 * The API server's objects: the cluster's *intent*. Objects are stored
 * deep-frozen, so readers may keep references; writers create, replace,
 * `patch` (an immer recipe) or delete. Each write bumps one global
 * resourceVersion and is delivered to every watcher synchronously, in order —
 * a write made by a watcher while a change is being delivered is queued
 * behind it, so every watcher sees the same sequence.
 */
// why: etcd's single revision counter orders all writes, and a watch delivers
// events in revision order (k8s.io/apiserver storage/cacher).
export class ApiStore {
  private readonly objects = new Map<KubeKind, Map<string, KubeObject>>(KINDS.map((k) => [k, new Map()]));
  private readonly versions = new Map<string, number>();
  private readonly sorted = new Map<KubeKind, KubeObject[]>();
  private readonly handlers: WatchHandler[] = [];
  private readonly queue: WatchEvent[] = [];
  private dispatching = false;
  private rv = 0;

  constructor(private readonly options: ApiStoreOptions = {}) {}

  /** The resourceVersion of the latest write (0 before any). */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The object of `kind` stored under `key`, or undefined. */
  get<K extends KubeKind>(kind: K, key: string): ObjectOfKind<K> | undefined {
    return this.table(kind).get(key) as ObjectOfKind<K> | undefined;
  }

  /** The resourceVersion at which the object was last written. */
  versionOf(kind: KubeKind, key: string): number | undefined {
    return this.versions.get(`${kind}\u0000${key}`);
  }

  /** Every object of `kind` (optionally in one namespace), sorted by key. */
  list<K extends KubeKind>(kind: K, namespace?: string): readonly ObjectOfKind<K>[] {
    let all = this.sorted.get(kind);
    if (!all) {
      const table = this.table(kind);
      all = [...table.keys()].sort(compareStrings).map((k) => table.get(k) as KubeObject);
      this.sorted.set(kind, all);
    }
    const typed = all as ObjectOfKind<K>[];
    return namespace === undefined ? typed.slice() : typed.filter((o) => o.metadata.namespace === namespace);
  }

  /** Stores a new object (a deep-frozen copy); throws if the key is taken. */
  create<T extends KubeObject>(object: T, note?: string): T {
    const key = objectKey(object.metadata);
    if (!object.metadata.name) throw new InputError([`api: ${object.kind} has no metadata.name (expected a name)`]);
    if (this.table(object.kind).has(key)) {
      throw new InputError([`api: ${object.kind} "${key}" already exists (expected a new name)`]);
    }
    const stored = freeze(structuredClone(object), true) as T;
    this.write("create", stored, undefined, note);
    return stored;
  }

  /** Replaces an existing object; throws if absent. A write equal to the stored object is skipped. */
  update<T extends KubeObject>(object: T, note?: string): T {
    const key = objectKey(object.metadata);
    const old = this.table(object.kind).get(key) as T | undefined;
    if (!old) throw new InputError([`api: ${object.kind} "${key}" does not exist (expected an existing object)`]);
    if (deepEqual(old, object)) return old;
    const stored = freeze(structuredClone(object), true) as T;
    this.write("update", stored, old, note);
    return stored;
  }

  /** Creates the object, or replaces it if it exists. */
  apply<T extends KubeObject>(object: T, note?: string): T {
    return this.table(object.kind).has(objectKey(object.metadata))
      ? this.update(object, note)
      : this.create(object, note);
  }

  /**
   * Changes an existing object with an immer recipe; throws if absent. A recipe
   * that changes nothing writes nothing and returns the stored object.
   */
  patch<K extends KubeKind>(
    kind: K,
    key: string,
    recipe: (draft: Draft<ObjectOfKind<K>>) => void,
    note?: string,
  ): ObjectOfKind<K> {
    const old = this.get(kind, key);
    if (!old) throw new InputError([`api: ${kind} "${key}" does not exist (expected an existing object)`]);
    const next = produce(old, recipe) as ObjectOfKind<K>;
    if (next === old) return old;
    this.write("update", next, old, note);
    return next;
  }

  /** Removes an object and returns its last state; throws if absent. */
  delete<K extends KubeKind>(kind: K, key: string, note?: string): ObjectOfKind<K> {
    const old = this.get(kind, key);
    if (!old) throw new InputError([`api: ${kind} "${key}" does not exist (expected an existing object)`]);
    this.write("delete", old, old, note);
    return old;
  }

  /** Subscribes to every later change; returns the unsubscribe function. */
  watch(handler: WatchHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Plain (unfrozen) copies of every object, for inspection at any simulated time. */
  snapshot(): StoreSnapshot {
    const objects = {} as Record<KubeKind, Record<string, KubeObject>>;
    for (const kind of KINDS) {
      const byKey: Record<string, KubeObject> = {};
      for (const obj of this.list(kind)) byKey[objectKey(obj.metadata)] = structuredClone(obj);
      objects[kind] = byKey;
    }
    return { resourceVersion: this.rv, objects: objects as StoreSnapshot["objects"] };
  }

  private table(kind: KubeKind): Map<string, KubeObject> {
    const table = this.objects.get(kind);
    if (!table) throw new InputError([`api: unknown kind "${kind}" (expected one of ${KINDS.join(", ")})`]);
    return table;
  }

  private write(verb: WatchVerb, object: KubeObject, old: KubeObject | undefined, note?: string): void {
    const key = objectKey(object.metadata);
    const table = this.table(object.kind);
    if (verb === "delete") table.delete(key);
    else table.set(key, object);
    this.refreshSorted(verb, object, key);
    const rv = ++this.rv;
    const vkey = `${object.kind}\u0000${key}`;
    if (verb === "delete") this.versions.delete(vkey);
    else this.versions.set(vkey, rv);
    const t = this.options.clock?.now ?? (0 as Nanos);
    const trace = this.options.trace;
    if (trace?.wants("api")) {
      trace.emit({ type: "api", t, verb, kind: object.kind, name: key, ...(note ? { note } : {}) });
    }
    this.queue.push({ verb, kind: object.kind, key, object, old, resourceVersion: rv, t } as WatchEvent);
    this.drain();
  }

  /** Keeps the cached sorted list valid: updates replace in place, creates and deletes drop it. */
  private refreshSorted(verb: WatchVerb, object: KubeObject, key: string): void {
    const cached = this.sorted.get(object.kind);
    if (!cached) return;
    if (verb !== "update") {
      this.sorted.delete(object.kind);
      return;
    }
    let lo = 0;
    let hi = cached.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareStrings(objectKey((cached[mid] as KubeObject).metadata), key);
      if (c === 0) {
        cached[mid] = object;
        return;
      }
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    this.sorted.delete(object.kind);
  }

  private drain(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let event = this.queue.shift(); event; event = this.queue.shift()) {
        for (const handler of [...this.handlers]) handler(event);
      }
    } finally {
      this.dispatching = false;
      this.queue.length = 0;
    }
  }
}
