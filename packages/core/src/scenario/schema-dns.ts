import * as z from "zod";
import { DurationSchema, IpSchema } from "./schema-values.ts";

/** One name of the world outside the cluster, as CoreDNS's `forward` would find it. */
const UpstreamEntrySchema = z
  .object({
    name: z.string().min(1),
    /** Its IPv4 addresses (an A RRset). */
    addresses: z.array(IpSchema).min(1).optional(),
    /** Or an alias (a CNAME). */
    cname: z.string().min(1).optional(),
    /** Record TTL, seconds (default 300). */
    ttl: z.number().int().min(0).optional(),
  })
  .refine((e) => (e.addresses === undefined) !== (e.cname === undefined), {
    message: "expected exactly one of addresses or cname",
  });

/**
 * Cluster DNS: CoreDNS in the Pods labelled `k8s-app: kube-dns` in
 * kube-system behind the kube-dns Service (see `kubeDnsObjects`), and in
 * every Pod the stub resolver kubelet configures. Defaults are kubeadm's
 * Corefile and glibc's resolver; timing defaults are model parameters.
 */
export const DnsSchema = z
  .object({
    /** kubelet `--cluster-dns`; default: the kube-dns Service's ClusterIP. */
    clusterDNS: IpSchema.optional(),
    /** kubelet `--cluster-domain`, the kubernetes plugin's zone. */
    clusterDomain: z.string().min(1).default("cluster.local"),
    /** The kubernetes plugin's `ttl`, seconds (kubeadm's Corefile: 30). */
    ttl: z.number().int().min(0).max(3600).default(30),
    /** How long CoreDNS's informers lag the API. */
    watchDelay: DurationSchema.prefault("50ms"),
    /** CoreDNS's time to answer from memory. */
    answerDelay: DurationSchema.prefault("100us"),
    /** Extra time for a forwarded (upstream) query. */
    upstreamLatency: DurationSchema.prefault("1ms"),
    /** The cache plugin; default kubeadm's `cache 30` with the cluster zone disabled; `false` for none. */
    cache: z
      .union([
        z.literal(false),
        z.object({
          successTtl: z.number().int().min(0),
          denialTtl: z.number().int().min(0),
          clusterZone: z.boolean().default(false),
        }),
      ])
      .optional(),
    /** resolv.conf `options ndots:n` (kubelet: 5; glibc caps it at 15). */
    ndots: z.number().int().min(0).max(15).default(5),
    /** resolv.conf `options timeout:n`, seconds (glibc: 5; at most 30, RES_MAXRETRANS). */
    timeout: z.number().int().min(1).max(30).default(5),
    /** resolv.conf `options attempts:n` (glibc: 2; at most 5, RES_MAXRETRY). */
    attempts: z.number().int().min(1).max(5).default(2),
    /** `ipv4`: A only (AF_INET); `unspec`: A and AAAA in parallel, getaddrinfo's default. */
    family: z.enum(["ipv4", "unspec"]).default("unspec"),
    /** A client-side cache in every Pod (nscd, a runtime's cache); absent: none, as with plain glibc. */
    clientCache: z.object({ maxTtl: z.number().int().min(0).optional(), negative: z.boolean().optional() }).optional(),
    /** Names outside the cluster; any other external name is NXDOMAIN. */
    upstream: z.array(UpstreamEntrySchema).default([]),
    /** The nodes' own resolv.conf search domains, appended by kubelet. */
    hostSearch: z.array(z.string().min(1)).default([]),
    /**
     * CoreDNS's `health { lameduck }`: after SIGTERM it keeps answering this
     * long, then stops listening and exits (kubeadm's Corefile: 5s; "0s":
     * it stops at SIGTERM).
     */
    lameduck: DurationSchema.prefault("5s"),
  })
  .optional();
