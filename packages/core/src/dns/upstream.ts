import { InputError } from "../engine/index.ts";
import { tryParseIPv4 } from "../net/index.ts";
import type { DnsRecord, QType, Rcode, SoaRecord } from "./messages.ts";
import { canonicalName, labelsOf } from "./names.ts";

/** An answer from one source (the kubernetes plugin or the upstream), before it becomes a response. */
export interface ZoneAnswer {
  readonly rcode: Rcode;
  readonly answers: readonly DnsRecord[];
  /** The SOA of a negative answer. */
  readonly authority?: SoaRecord;
}

/** One name the world outside the cluster knows. */
export interface UpstreamEntry {
  /** The name, e.g. `api.example.com`. */
  name: string;
  /** Its IPv4 addresses (an A RRset). */
  addresses?: string[];
  /** Or an alias (a CNAME). */
  cname?: string;
  /** Record TTL in seconds. */
  ttl?: number;
}

/** How to build the upstream table. */
export interface UpstreamOptions {
  entries?: readonly UpstreamEntry[];
  /** TTL of an entry that gives none, seconds (default 300). */
  defaultTtl?: number;
  /** The negative-caching TTL of an NXDOMAIN, seconds (default 30). */
  negativeTtl?: number;
}

const MAX_CHAIN = 8;

/**
 * The DNS beyond the cluster, as CoreDNS's `forward . /etc/resolv.conf` would
 * reach it: a fixed table of names given by the scenario. A name not in the
 * table does not exist (NXDOMAIN). The default TTLs are scenario parameters,
 * not facts about any real zone; the SOA of a negative answer is synthesised
 * (`ns.<tld>`, `hostmaster.<tld>`) only to give the message a realistic size.
 */
export class UpstreamTable {
  private readonly byName = new Map<string, UpstreamEntry>();
  private readonly defaultTtl: number;
  private readonly negTtl: number;

  constructor(options: UpstreamOptions = {}) {
    this.defaultTtl = options.defaultTtl ?? 300;
    this.negTtl = options.negativeTtl ?? 30;
    const problems: string[] = [];
    (options.entries ?? []).forEach((entry, i) => {
      const where = `dns.upstream[${i}] (${entry.name})`;
      if ((entry.addresses === undefined) === (entry.cname === undefined)) {
        problems.push(`${where}: expected exactly one of addresses or cname`);
      }
      for (const a of entry.addresses ?? []) {
        if (tryParseIPv4(a) === undefined) problems.push(`${where}: expected an IPv4 address, got "${a}"`);
      }
      this.byName.set(canonicalName(entry.name), entry);
    });
    if (problems.length > 0) throw new InputError(problems);
  }

  /** Answers `qname`/`qtype` from the table, following CNAMEs inside it. */
  lookup(qname: string, qtype: QType): ZoneAnswer {
    const answers: DnsRecord[] = [];
    let name = canonicalName(qname);
    for (let hop = 0; hop < MAX_CHAIN; hop++) {
      const entry = this.byName.get(name);
      if (!entry) return hop === 0 ? this.nxdomain(name) : { rcode: "NOERROR", answers };
      const ttl = entry.ttl ?? this.defaultTtl;
      if (entry.cname !== undefined) {
        answers.push({ type: "CNAME", name, ttl, target: canonicalName(entry.cname) });
        name = canonicalName(entry.cname);
        continue;
      }
      if (qtype === "A") for (const address of entry.addresses ?? []) answers.push({ type: "A", name, ttl, address });
      return { rcode: "NOERROR", answers, ...(answers.length === 0 ? { authority: this.soa(name) } : {}) };
    }
    return { rcode: "NOERROR", answers };
  }

  private nxdomain(name: string): ZoneAnswer {
    return { rcode: "NXDOMAIN", answers: [], authority: this.soa(name) };
  }

  private soa(name: string): SoaRecord {
    const tld = labelsOf(name).at(-1) ?? "";
    return { zone: tld, ttl: this.negTtl, minimum: this.negTtl, mname: `ns.${tld}`, rname: `hostmaster.${tld}` };
  }
}
