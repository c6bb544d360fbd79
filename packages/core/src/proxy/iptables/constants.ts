/** The shared chains of kube-proxy's iptables mode (proxier.go constants). */
export const KUBE_SERVICES = "KUBE-SERVICES";
/** filter: REJECT/DROP for external destinations without (local) endpoints. */
export const KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES";
/** nat: NodePort dispatch; filter: health-check node port ACCEPTs. */
export const KUBE_NODEPORTS = "KUBE-NODEPORTS";
/** nat: MASQUERADE of marked packets. */
export const KUBE_POSTROUTING = "KUBE-POSTROUTING";
/** nat: sets the masquerade mark. */
export const KUBE_MARK_MASQ = "KUBE-MARK-MASQ";
/** filter: accepts marked and established forwarded traffic. */
export const KUBE_FORWARD = "KUBE-FORWARD";
/** filter: drops LB traffic not accepted by a KUBE-FW chain. */
export const KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL";
/** Empty chain in mangle, nat and filter whose disappearance tells kube-proxy its rules were flushed. */
export const KUBE_PROXY_CANARY = "KUBE-PROXY-CANARY";
/** filter: kubelet's anti-martian rule for localhost NodePorts, duplicated by kube-proxy. */
export const KUBE_FIREWALL = "KUBE-FIREWALL";
/** Name of the nfacct counter of INVALID packets dropped in KUBE-FORWARD (pkg/proxy/metrics). */
export const CT_INVALID_COUNTER = "ct_state_invalid_dropped_pkts";
