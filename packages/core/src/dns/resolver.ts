import type { Nanos, RandomStream, Rng, Scheduler } from "../engine/index.ts";
import { type NetNamespace, parseIPv4 } from "../net/index.ts";
import { TtlCache } from "./cache.ts";
import { type AddressFamily, type ExchangeResult, exchange } from "./exchange.ts";
import type { ResolvConf } from "./resolv-conf.ts";
import { type SearchError, SearchWalk } from "./search.ts";
import { DNS_PORT } from "./server.ts";

/** Why a lookup failed: the search's error, or `no-address` (an answer without A records, e.g. a bare CNAME). */
export type LookupError = SearchError | "no-address";

/** One name tried during a lookup. */
export type NameTry = ExchangeResult;

/** One getaddrinfo() call, from the application's point of view. */
export interface LookupRecord {
  readonly id: number;
  /** The Pod that looked up (`namespace/name`). */
  readonly pod: string;
  /** The name as the application gave it. */
  readonly name: string;
  readonly start: number;
  end?: number;
  /** Every name sent, in order, with how it fared: the ndots amplification, made visible. */
  readonly tries: NameTry[];
  /** Datagrams sent for this lookup (every name, try and question). */
  queries: number;
  /** Answered from the client-side cache, without a packet. */
  cached: boolean;
  /** The IPv4 addresses, in answer order. */
  addresses?: string[];
  /** The name that answered (the search-list expansion that worked). */
  answeredName?: string;
  /** Seconds the answer may be cached: its smallest record TTL. */
  ttl?: number;
  error?: LookupError;
}

/** The client-side cache (glibc has none: this is nscd, an app runtime's cache, or a node-local cache). */
export interface ClientCacheOptions {
  /** Cap on how long an answer is kept, seconds (default: no cap beyond the TTL). */
  maxTtl?: number;
  /** Also cache NXDOMAIN/NODATA for the response's negative TTL (default false). */
  negative?: boolean;
}

/** What a Pod's resolver needs. */
export interface PodResolverOptions {
  /** The Pod (`namespace/name`): names its random streams. */
  pod: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  rng: Rng;
  /** The Pod's /etc/resolv.conf (see `podResolvConf`); the first nameserver is used. */
  conf: ResolvConf;
  /** Default `unspec`: A and AAAA in parallel, as getaddrinfo(AF_UNSPEC) does. */
  family?: AddressFamily;
  /** A client-side cache; absent: none, as with plain glibc. */
  cache?: ClientCacheOptions;
  /** Every lookup is appended here when it starts. */
  records?: LookupRecord[];
}

type CacheValue = Pick<LookupRecord, "addresses" | "answeredName" | "error">;

/**
 * The stub resolver inside a Pod: glibc's getaddrinfo() over the Pod's
 * resolv.conf. It walks the search list (`SearchWalk`), sends each name over
 * UDP through the Pod's network namespace (`exchange`) — so every query
 * crosses the node's dataplane to the kube-dns ClusterIP like any other UDP
 * flow — and counts every datagram.
 *
 * glibc itself caches nothing; `cache` models a cache in front of it (nscd,
 * a language runtime's, NodeLocal DNSCache), keyed by the name as given.
 */
export class PodResolver {
  /** Lookups started. */
  lookups = 0;
  /** Datagrams sent by every lookup. */
  queries = 0;
  readonly cache: TtlCache<CacheValue> | undefined;
  private readonly ids: RandomStream;
  private nextId = 1;

  constructor(private readonly o: PodResolverOptions) {
    this.ids = o.rng.stream(`dns/resolver/${o.pod}/ids`);
    this.cache = o.cache ? new TtlCache() : undefined;
  }

  /** Resolves `name`; `done` is called once with the finished record (at once on a cache hit). */
  lookup(name: string, done?: (record: LookupRecord) => void): LookupRecord {
    const { o } = this;
    const now = o.scheduler.now;
    const record: LookupRecord = {
      id: this.nextId++,
      pod: o.pod,
      name,
      start: now,
      tries: [],
      queries: 0,
      cached: false,
    };
    this.lookups++;
    o.records?.push(record);
    const key = `${o.family ?? "unspec"} ${name}`;
    const hit = this.cache?.get(key, now);
    if (hit) {
      Object.assign(record, hit.value, { cached: true, ttl: hit.remaining, end: now });
      done?.(record);
      return record;
    }
    const walk = new SearchWalk(name, o.conf.search, o.conf.ndots);
    const step = (): void => {
      const qname = walk.next();
      if (qname === undefined) {
        this.complete(record, walk, key);
        done?.(record);
        return;
      }
      exchange(this.env(), qname, (result) => {
        record.tries.push(result);
        record.queries += result.queries;
        this.queries += result.queries;
        walk.report(result.outcome);
        step();
      });
    };
    step();
    return record;
  }

  private env() {
    const { o } = this;
    return {
      netns: o.netns,
      scheduler: o.scheduler,
      ids: this.ids,
      server: parseIPv4(o.conf.nameservers[0] as string),
      port: DNS_PORT,
      timeout: (o.conf.timeout * 1e9) as Nanos,
      attempts: o.conf.attempts,
      family: o.family ?? "unspec",
      component: `dns/resolver/${o.pod}`,
    };
  }

  private complete(record: LookupRecord, walk: SearchWalk, key: string): void {
    const now = this.o.scheduler.now;
    record.end = now;
    const last = record.tries.at(-1);
    if (walk.succeeded && last) {
      const addresses = last.answers.flatMap((r) => (r.type === "A" ? [r.address] : []));
      record.answeredName = last.qname;
      if (addresses.length === 0) record.error = "no-address";
      else record.addresses = addresses;
      record.ttl = Math.min(...last.answers.map((r) => r.ttl));
      const ttl = Math.min(record.ttl, this.o.cache?.maxTtl ?? Number.POSITIVE_INFINITY);
      if (addresses.length > 0) this.cache?.set(key, { addresses, answeredName: last.qname }, ttl, now);
      return;
    }
    record.error = walk.error;
    const negative = record.tries.map((t) => t.negativeTtl ?? 0);
    const cacheable = record.error === "nxdomain" || record.error === "nodata";
    if (this.o.cache?.negative && cacheable && negative.length > 0) {
      const ttl = Math.min(...negative, this.o.cache.maxTtl ?? Number.POSITIVE_INFINITY);
      this.cache?.set(key, { error: record.error }, ttl, now);
    }
  }
}
