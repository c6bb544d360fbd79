/**
 * Domain names as svcsim carries them: text without the final root dot
 * (`web.default.svc.cluster.local`), compared case-insensitively. A query on
 * the wire is always absolute; the trailing dot only matters to the stub
 * resolver, where it marks a name as absolute (see `search.ts`).
 */

/** The cluster domain kubelet and CoreDNS use unless configured otherwise (`--cluster-domain`). */
export const CLUSTER_DOMAIN = "cluster.local";

/** A name without its trailing root dot, lower-cased for comparison. */
// why: DNS names compare case-insensitively (RFC 4343); CoreDNS's kubernetes plugin
// matches labels with strings.EqualFold.
export function canonicalName(name: string): string {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  return bare.toLowerCase();
}

/** The labels of a name, left to right (`a.b.c` → `["a", "b", "c"]`); the root is `[]`. */
export function labelsOf(name: string): string[] {
  const bare = canonicalName(name);
  return bare === "" ? [] : bare.split(".");
}

/** True when `name` is `zone` or below it. */
// why: dns.IsSubDomain, which CoreDNS's plugin.Zones.Matches uses to pick a zone.
export function isSubdomain(name: string, zone: string): boolean {
  const n = canonicalName(name);
  const z = canonicalName(zone);
  return z === "" || n === z || n.endsWith(`.${z}`);
}

/** `name` with `zone` cut off its end (`web.default.svc` for `web.default.svc.cluster.local`); `""` at the apex. */
// why: dnsutil.TrimZone, the first step of the kubernetes plugin's parseRequest.
export function trimZone(name: string, zone: string): string {
  const n = canonicalName(name);
  const z = canonicalName(zone);
  if (n === z) return "";
  return n.slice(0, n.length - z.length - 1);
}

/**
 * Bytes of a name in uncompressed wire form: one length octet per label plus
 * the label, then the root's zero octet (RFC 1035 §3.1).
 */
export function nameWireBytes(name: string): number {
  return labelsOf(name).reduce((sum, label) => sum + 1 + label.length, 1);
}

/**
 * Name compression as a DNS message writer does it (RFC 1035 §4.1.4): a name
 * whose tail was already written is written as its new leading labels and a
 * two-byte pointer. Feed names in message order; each call returns the bytes
 * that name costs.
 */
export class NameCompressor {
  private readonly written = new Set<string>();

  /** The bytes `name` takes at this point of the message. */
  add(name: string): number {
    const labels = labelsOf(name);
    let bytes = 0;
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join(".");
      if (this.written.has(suffix)) return bytes + 2;
      this.written.add(suffix);
      bytes += 1 + (labels[i] as string).length;
    }
    return bytes + 1;
  }
}
