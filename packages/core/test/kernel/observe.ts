/**
 * The kernel's answer for one probe, read from the node's conntrack table and
 * from what the sender saw.
 *
 * - A conntrack entry exists only for a packet that got through every filter
 *   chain to the end of POSTROUTING or INPUT, where the kernel confirms new
 *   entries (nf_conntrack_confirm at NF_IP_PRI_CONNTRACK_CONFIRM). Its reply
 *   tuple shows the DNAT (reply source ≠ original destination) and the
 *   masquerade (reply destination ≠ original source).
 * - No entry and ECONNREFUSED at the sender: a REJECT (ICMP port unreachable).
 *   Nothing else refuses: the endpoints' namespace drops new connections, and
 *   every node port probed has a listener that accepts.
 * - No entry and silence: a DROP.
 * - A packet sent by the node to itself is confirmed at POSTROUTING before it
 *   loops back to INPUT, where kube-proxy's KUBE-EXTERNAL-SERVICES may still
 *   reject or drop it. So a packet delivered to a node address (an entry
 *   without DNAT, to a port with a listener) is accepted only if the sender
 *   was answered; refused is a REJECT and silence a DROP.
 */
import type { SenderResult } from "./agent-client.ts";
import type { ConntrackEntry } from "./conntrack.ts";
import type { Fate, ProbePacket } from "./predict.ts";

/** The kernel's fate for a probe, with the evidence it was read from. */
export interface Observed extends Fate {
  readonly entry?: string;
  readonly sender: SenderResult["outcome"];
  readonly code?: string;
}

/** Classifies one probe; an `answered` sender with no entry is reported as is (it cannot happen). */
export function observe(
  probe: ProbePacket,
  entry: ConntrackEntry | undefined,
  sender: SenderResult,
  isNodeAddress: (ip: string) => boolean,
): Observed {
  const evidence = { sender: sender.outcome, ...(sender.code ? { code: sender.code } : {}) };
  if (entry) {
    const dnat = entry.reply.src !== probe.dst || entry.reply.sport !== probe.dport;
    const masq = entry.reply.dst !== probe.src;
    const withEntry = { ...evidence, entry: entry.line };
    if (!dnat && isNodeAddress(probe.dst)) {
      if (sender.outcome === "refused") return { kind: "reject", ...withEntry };
      if (sender.outcome !== "answered") return { kind: "drop", ...withEntry };
    }
    if (!dnat) return { kind: "accept", masq, ...withEntry };
    return { kind: "dnat", dest: `${entry.reply.src}:${entry.reply.sport}`, masq, ...withEntry };
  }
  if (sender.outcome === "refused") return { kind: "reject", ...evidence };
  if (sender.outcome === "answered") return { kind: "accept", masq: false, ...evidence };
  return { kind: "drop", ...evidence };
}
