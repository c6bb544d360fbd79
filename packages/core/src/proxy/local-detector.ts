/**
 * How kube-proxy tells traffic from this node's Pods apart from other traffic
 * (`--detect-local-mode`), for masquerading off-cluster traffic to a ClusterIP
 * and short-circuiting pod traffic to external IPs.
 */
export type LocalDetectorSpec =
  | { readonly mode: "ClusterCIDR"; readonly cidr: string }
  | { readonly mode: "NodeCIDR"; readonly cidr: string }
  | { readonly mode: "BridgeInterface"; readonly interfaceName: string }
  | { readonly mode: "InterfaceNamePrefix"; readonly prefix: string }
  | { readonly mode: "None" };

/** The iptables match arguments a detector contributes; undefined when it is not implemented. */
export interface LocalTrafficDetector {
  readonly ifLocal?: readonly string[];
  readonly ifNotLocal?: readonly string[];
}

/** Builds the match arguments of a detector (pkg/proxy/util/localdetector.go). */
export function localTrafficDetector(spec: LocalDetectorSpec): LocalTrafficDetector {
  switch (spec.mode) {
    case "ClusterCIDR":
    case "NodeCIDR":
      // why: NewDetectLocalByCIDR matches on the source CIDR, printed exactly as configured.
      return { ifLocal: ["-s", spec.cidr], ifNotLocal: ["!", "-s", spec.cidr] };
    case "BridgeInterface":
      // why: NewDetectLocalByBridgeInterface matches on the input interface.
      return { ifLocal: ["-i", spec.interfaceName], ifNotLocal: ["!", "-i", spec.interfaceName] };
    case "InterfaceNamePrefix":
      // why: NewDetectLocalByInterfaceNamePrefix uses iptables' "+" interface wildcard.
      return { ifLocal: ["-i", `${spec.prefix}+`], ifNotLocal: ["!", "-i", `${spec.prefix}+`] };
    case "None":
      // why: NewNoOpLocalDetector: IsImplemented() is false and no rule uses it.
      return {};
  }
}
