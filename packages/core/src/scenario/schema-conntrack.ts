import * as z from "zod";
import { DurationSchema } from "./schema-values.ts";

/**
 * The nodes' conntrack sysctls as kube-proxy sets them (its `conntrack`
 * configuration block, KubeProxyConntrackConfiguration) plus the kernel
 * timeouts it leaves alone. Every node gets
 * `nf_conntrack_max = max(maxPerCore × cpus, min)` unless the node or this
 * block names `max`.
 */
export const ConntrackSchema = z
  .object({
    /** conntrack.maxPerCore (default 32768); 0 leaves nf_conntrack_max to the kernel (then `max` is needed). */
    maxPerCore: z.number().int().min(0).default(32768),
    /** conntrack.min (default 131072). */
    min: z.number().int().min(0).default(131072),
    /** nf_conntrack_max for every node, as if set by hand (overrides maxPerCore/min). */
    max: z.number().int().min(1).optional(),
    /** nf_conntrack_buckets; max/4 when absent (kube-proxy's SetMax raises it to that). */
    hashsize: z.number().int().min(1).optional(),
    /** conntrack.tcpEstablishedTimeout (default 24h). */
    tcpEstablishedTimeout: DurationSchema.prefault("24h"),
    /** conntrack.tcpCloseWaitTimeout (default 1h). */
    tcpCloseWaitTimeout: DurationSchema.prefault("1h"),
    /** nf_conntrack_tcp_timeout_time_wait (kernel default 120s; kube-proxy leaves it). */
    tcpTimeWait: DurationSchema.optional(),
    /** conntrack.udpTimeout; the kernel's 30s when absent. */
    udpTimeout: DurationSchema.optional(),
    /** conntrack.udpStreamTimeout; the kernel's 120s when absent. */
    udpStreamTimeout: DurationSchema.optional(),
  })
  .superRefine((ct, ctx) => {
    if (ct.maxPerCore === 0 && ct.max === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["max"],
        message: "maxPerCore 0 leaves nf_conntrack_max to the kernel: give max",
      });
    }
  })
  .prefault({});

export type ConntrackSpec = z.output<typeof ConntrackSchema>;
