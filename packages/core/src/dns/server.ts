import type { Scheduler } from "../engine/index.ts";
import { headerBytes, type NetNamespace, type Packet } from "../net/index.ts";
import type { CoreDns } from "./coredns.ts";
import { type DnsQuery, type Rcode, responseBytes } from "./messages.ts";

/** The DNS port. */
export const DNS_PORT = 53;

/** What a CoreDNS server needs. */
export interface CoreDnsServerOptions {
  /** The Pod it runs in (`namespace/name`). */
  pod: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  /** The instance's plugin chain. */
  core: CoreDns;
  /** The port it listens on (53). */
  port?: number;
}

/**
 * CoreDNS's UDP listener in one Pod: each query is answered by the plugin
 * chain as the Pod's informer sees the cluster at arrival, and the response
 * leaves after the chain's delay, from port 53 to the query's source — so
 * that on the client's node conntrack un-DNATs it back to the kube-dns
 * ClusterIP.
 */
export class CoreDnsServer {
  /** Queries received. */
  queries = 0;
  /** Responses sent, by rcode. */
  readonly rcodes: Record<Rcode, number> = { NOERROR: 0, NXDOMAIN: 0, SERVFAIL: 0 };
  /** Responses answered from the cache plugin. */
  cacheHits = 0;
  private readonly port: number;
  private open = true;

  constructor(private readonly o: CoreDnsServerOptions) {
    this.port = o.port ?? DNS_PORT;
    o.netns.bind("UDP", this.port, (pkt) => this.onQuery(pkt));
  }

  /** Stops listening; queries then meet the kernel's ICMP port unreachable, replies in flight are dropped. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.o.netns.unbind("UDP", this.port);
  }

  private onQuery(pkt: Packet): void {
    const query = pkt.payload as DnsQuery | undefined;
    if (query?.kind !== "dns-query") return;
    this.queries++;
    const { scheduler, netns } = this.o;
    const reply = this.o.core.answer(query, scheduler.now);
    if (reply.source === "cache") this.cacheHits++;
    const { src, srcPort } = pkt;
    scheduler.after(
      reply.delay,
      () => {
        if (!this.open) return;
        this.rcodes[reply.response.rcode]++;
        const out = netns.packet({
          proto: "UDP",
          dst: src,
          srcPort: this.port,
          dstPort: srcPort,
          length: headerBytes("UDP") + responseBytes(reply.response),
          payload: reply.response,
        });
        netns.send(out);
      },
      `dns/server/${this.o.pod}`,
    );
  }
}
