import type { Nanos, RandomStream } from "../engine/index.ts";
import { TtlCache } from "./cache.ts";
import type { DnsView } from "./informer.ts";
import {
  type DnsQuery,
  type DnsRecord,
  type DnsResponse,
  negativeTtl,
  responseBytes,
  UDP_DNS_MAX_BYTES,
} from "./messages.ts";
import { canonicalName, isSubdomain } from "./names.ts";
import { type KubernetesPluginOptions, kubernetesAnswer } from "./records.ts";
import type { UpstreamTable, ZoneAnswer } from "./upstream.ts";

/** The `cache` plugin's settings. */
export interface CachePluginOptions {
  /** Largest TTL a positive answer is cached for, seconds (`cache 30` → 30). */
  successTtl: number;
  /** Largest TTL a negative answer is cached for, seconds. */
  denialTtl: number;
  /** Whether answers from the cluster zone are cached (kubeadm disables it: `disable success|denial cluster.local`). */
  clusterZone: boolean;
}

/** The cache plugin's default MINTTL, seconds. */
// why: coredns.io/plugins/cache — "MINTTL overrides the cache minimum TTL (default 5)".
export const CACHE_MIN_TTL = 5;

/** What one CoreDNS instance is configured with: its Corefile, in effect. */
export interface CoreDnsConfig extends KubernetesPluginOptions {
  /** The `forward . /etc/resolv.conf` target: the world outside. */
  upstream: UpstreamTable;
  /** The `cache` plugin, or undefined when absent. */
  cache?: CachePluginOptions;
  /** The `loadbalance` plugin: shuffle A records in each answer. */
  loadbalance: boolean;
  /** Time to answer from memory (a parameter, not a measured fact). */
  answerDelay: Nanos;
  /** Extra time when the answer needs the upstream (a forwarded query, an ExternalName target). */
  upstreamLatency: Nanos;
}

/** A response and how long after the query it leaves the server. */
export interface CoreDnsReply {
  readonly response: DnsResponse;
  readonly delay: Nanos;
  /** How the answer was made: from the cache, the kubernetes plugin, or forwarded. */
  readonly source: "cache" | "kubernetes" | "forward";
}

/**
 * One CoreDNS process's plugin chain: cache → kubernetes (its zone) →
 * forward (everything else), then loadbalance and UDP truncation. Answers
 * come from the informer `view` the instance was given.
 */
// why: CoreDNS orders plugins by plugin.cfg (cache before kubernetes before forward),
// not by their order in the Corefile.
export class CoreDns {
  private readonly cache: TtlCache<ZoneAnswer> | undefined;

  constructor(
    private readonly view: DnsView,
    private readonly config: CoreDnsConfig,
    /** The instance's name (`kube-system/coredns-…`), written into responses. */
    private readonly name: string,
    private readonly shuffle: RandomStream,
  ) {
    this.cache = config.cache ? new TtlCache() : undefined;
  }

  /** The answer to `query` at `now`. */
  answer(query: DnsQuery, now: Nanos): CoreDnsReply {
    const { config } = this;
    const inZone = isSubdomain(query.qname, config.zone);
    const key = `${canonicalName(query.qname)}/${query.qtype}`;
    const cacheable = this.cache !== undefined && (!inZone || config.cache?.clusterZone === true);
    const hit = cacheable ? this.cache?.get(key, now) : undefined;
    if (hit) return this.reply(query, withTtl(hit.value, hit.remaining), config.answerDelay, "cache");
    let forwarded = !inZone;
    const upstream = (name: string, qtype: DnsQuery["qtype"]) => {
      forwarded = true;
      return config.upstream.lookup(name, qtype);
    };
    const answer = inZone
      ? kubernetesAnswer(this.view, query.qname, query.qtype, config, upstream)
      : upstream(query.qname, query.qtype);
    const delay = (config.answerDelay + (forwarded ? config.upstreamLatency : 0)) as Nanos;
    const sent = cacheable ? this.store(key, answer, now) : answer;
    return this.reply(query, sent, delay, inZone ? "kubernetes" : "forward");
  }

  // why: plugin/cache ResponseWriter.WriteMsg: a positive answer is kept for its smallest
  // TTL, a negative one for its SOA-derived TTL, each clamped to [MINTTL, the maximum];
  // "Apply capped TTL to this reply": every record of the reply gets that duration.
  // SERVFAIL is not kept here.
  private store(key: string, answer: ZoneAnswer, now: Nanos): ZoneAnswer {
    const opts = this.config.cache as CachePluginOptions;
    const negative = negativeTtl(answer);
    if (answer.rcode === "SERVFAIL" || (negative === undefined && answer.answers.length === 0)) return answer;
    const ttl =
      negative !== undefined
        ? Math.min(Math.max(negative, CACHE_MIN_TTL), opts.denialTtl)
        : Math.min(Math.max(Math.min(...answer.answers.map((r) => r.ttl)), CACHE_MIN_TTL), opts.successTtl);
    const capped = withTtl(answer, ttl);
    this.cache?.set(key, capped, ttl, now);
    return capped;
  }

  private reply(query: DnsQuery, answer: ZoneAnswer, delay: Nanos, source: CoreDnsReply["source"]): CoreDnsReply {
    const answers = this.config.loadbalance ? this.roundRobin(answer.answers) : answer.answers;
    let response: DnsResponse = {
      kind: "dns-response",
      id: query.id,
      qname: query.qname,
      qtype: query.qtype,
      rcode: answer.rcode,
      answers,
      ...(answer.authority ? { authority: answer.authority } : {}),
      truncated: false,
      server: this.name,
    };
    if (responseBytes(response) > UDP_DNS_MAX_BYTES) response = truncate(response);
    return { response, delay, source };
  }

  // why: plugin/loadbalance round_robin: CNAMEs stay first, the address records are
  // shuffled (randomly) on every answer.
  private roundRobin(records: readonly DnsRecord[]): readonly DnsRecord[] {
    const addresses: DnsRecord[] = records.filter((r) => r.type === "A");
    if (addresses.length < 2) return records;
    for (let i = addresses.length - 1; i > 0; i--) {
      const j = this.shuffle.int(i + 1);
      [addresses[i], addresses[j]] = [addresses[j] as DnsRecord, addresses[i] as DnsRecord];
    }
    return [...records.filter((r) => r.type !== "A"), ...addresses];
  }
}

/** The answer with every record's TTL set to `ttl` (the cache rewrites them all alike). */
// why: plugin/cache item.toMsg sets each record's TTL to the item's remaining time.
function withTtl(answer: ZoneAnswer, ttl: number): ZoneAnswer {
  const answers = answer.answers.map((r) => ({ ...r, ttl }));
  const authority = answer.authority ? { ...answer.authority, ttl } : undefined;
  return { rcode: answer.rcode, answers, ...(authority ? { authority } : {}) };
}

/** Drops answers from the end until the message fits 512 bytes, and sets TC. */
// why: request.Request.Scrub/Truncate: a UDP reply to a query without EDNS0 is cut to
// 512 bytes with the TC bit set, so the client can retry over TCP.
function truncate(response: DnsResponse): DnsResponse {
  const answers = [...response.answers];
  while (answers.length > 0 && responseBytes({ ...response, answers }) > UDP_DNS_MAX_BYTES) answers.pop();
  return { ...response, answers, truncated: true };
}
