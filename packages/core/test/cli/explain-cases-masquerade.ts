/**
 * TestInternalExternalMasquerade of kubernetes pkg/proxy/iptables/proxier_test.go:
 * three LoadBalancer Services (eTP Cluster, eTP Local, iTP Local), each with a
 * local and a remote endpoint, and 30 flows from a Pod, the node, localhost
 * and an external client to each Service's ClusterIP, NodePort and LB IP —
 * under the four proxier settings (local-traffic detection on/off,
 * --masquerade-all on/off), with the Go test's per-setting overrides.
 */
import type { Service } from "../../src/api/index.ts";
import {
  TEST_EXTERNAL_CLIENT as EXT,
  ep,
  epPort,
  makeService,
  makeSlice,
  TEST_NODE_IP as NODE,
  port,
  TEST_NODE_NAME,
} from "../proxy/fixtures.ts";
import { type FlowRow, row, type Suite } from "./kube-proxy-cases.ts";

// The Go test sets healthCheckNodePort on all three; kube-proxy ignores it without eTP
// Local (service.go NeedsHealthCheck), so only svc2 keeps it here.
function lb(n: 1 | 2 | 3, lbIP: string, policy?: "eTP:Local" | "iTP:Local"): Service {
  return makeService(`ns${n}`, `svc${n}`, (s) => {
    s.spec.type = "LoadBalancer";
    s.spec.clusterIP = `172.30.0.4${n}`;
    s.spec.ports = [port("p80", 80, "TCP", 3000 + n)];
    if (policy === "eTP:Local") {
      s.spec.externalTrafficPolicy = "Local";
      s.spec.healthCheckNodePort = 30000 + n;
    }
    if (policy === "iTP:Local") s.spec.internalTrafficPolicy = "Local";
    s.status.loadBalancer.ingress = [{ ip: lbIP }];
  });
}
const slice = (n: number) =>
  makeSlice(
    `ns${n}`,
    `svc${n}`,
    1,
    [ep(`10.180.0.${n}`, TEST_NODE_NAME), ep(`10.180.1.${n}`, "remote")],
    [epPort("p80", 80)],
  );
const OBJECTS = [
  lb(1, "1.2.3.4"),
  lb(2, "5.6.7.8", "eTP:Local"),
  lb(3, "9.10.11.12", "iTP:Local"),
  ...[1, 2, 3].map(slice),
];

const both = (n: number) => `10.180.0.${n}:80, 10.180.1.${n}:80`;
const POD = "10.0.0.2";
const LO = "127.0.0.1";

/** The base flows: working local-traffic detector, no --masquerade-all. */
const BASE: FlowRow[] = [
  row("pod to ClusterIP", POD, "172.30.0.41", 80, both(1)),
  row("pod to NodePort", POD, NODE, 3001, both(1), true),
  row("pod to LB", POD, "1.2.3.4", 80, both(1), true),
  row("node to ClusterIP", NODE, "172.30.0.41", 80, both(1), true),
  row("node to NodePort", NODE, NODE, 3001, both(1), true),
  row("localhost to NodePort", LO, LO, 3001, both(1), true),
  row("node to LB", NODE, "1.2.3.4", 80, both(1), true),
  row("external to ClusterIP", EXT, "172.30.0.41", 80, both(1), true),
  row("external to NodePort", EXT, NODE, 3001, both(1), true),
  row("external to LB", EXT, "1.2.3.4", 80, both(1), true),
  row("pod to ClusterIP with eTP:Local", POD, "172.30.0.42", 80, both(2)),
  row("pod to NodePort with eTP:Local", POD, NODE, 3002, both(2)),
  row("pod to LB with eTP:Local", POD, "5.6.7.8", 80, both(2)),
  row("node to ClusterIP with eTP:Local", NODE, "172.30.0.42", 80, both(2), true),
  // (The Go row targets 3001, svc1's NodePort, so it expects svc1's endpoints.)
  row("node to NodePort with eTP:Local", NODE, NODE, 3001, both(1), true),
  row("localhost to NodePort with eTP:Local", LO, LO, 3002, both(2), true),
  row("node to LB with eTP:Local", NODE, "5.6.7.8", 80, both(2), true),
  row("external to ClusterIP with eTP:Local", EXT, "172.30.0.42", 80, both(2), true),
  row("external to NodePort with eTP:Local", EXT, NODE, 3002, "10.180.0.2:80"),
  row("external to LB with eTP:Local", EXT, "5.6.7.8", 80, "10.180.0.2:80"),
  row("pod to ClusterIP with iTP:Local", POD, "172.30.0.43", 80, "10.180.0.3:80"),
  row("pod to NodePort with iTP:Local", POD, NODE, 3003, both(3), true),
  row("pod to LB with iTP:Local", POD, "9.10.11.12", 80, both(3), true),
  row("node to ClusterIP with iTP:Local", NODE, "172.30.0.43", 80, "10.180.0.3:80", true),
  row("node to NodePort with iTP:Local", NODE, NODE, 3003, both(3), true),
  row("localhost to NodePort with iTP:Local", LO, LO, 3003, both(3), true),
  row("node to LB with iTP:Local", NODE, "9.10.11.12", 80, both(3), true),
  row("external to ClusterIP with iTP:Local", EXT, "172.30.0.43", 80, "10.180.0.3:80", true),
  row("external to NodePort with iTP:Local", EXT, NODE, 3003, both(3), true),
  row("external to LB with iTP:Local", EXT, "9.10.11.12", 80, both(3), true),
];

type Override = { output?: string; masq?: boolean };

/** The Go test's merge: each override must name a row and change it (else the table is wrong). */
function withOverrides(overrides: Record<string, Override>): FlowRow[] {
  const names = new Set(BASE.map((r) => r.name));
  for (const n of Object.keys(overrides)) if (!names.has(n)) throw new Error(`override for no row: ${n}`);
  return BASE.map((r) => {
    const o = overrides[r.name];
    if (!o) return r;
    if (o.masq === r.masq || o.output === r.output) throw new Error(`override equals base: ${r.name}`);
    return { ...r, ...o };
  });
}

// With no LocalTrafficDetector, all traffic to a ClusterIP is assumed to come from a Pod (no
// masquerade), and there is no eTP:Local short-circuit for Pod traffic.
const NO_DETECTOR: Record<string, Override> = {
  "node to ClusterIP": { masq: false },
  "node to ClusterIP with eTP:Local": { masq: false },
  "node to ClusterIP with iTP:Local": { masq: false },
  "external to ClusterIP": { masq: false },
  "external to ClusterIP with eTP:Local": { masq: false },
  "external to ClusterIP with iTP:Local": { masq: false },
  "pod to NodePort with eTP:Local": { output: "10.180.0.2:80" },
  "pod to LB with eTP:Local": { output: "10.180.0.2:80" },
};
// --masquerade-all masquerades all traffic to a ClusterIP.
const MASQ_ALL: Record<string, Override> = {
  "pod to ClusterIP": { masq: true },
  "pod to ClusterIP with eTP:Local": { masq: true },
  "pod to ClusterIP with iTP:Local": { masq: true },
};

const suite = (sub: string, flags: string[], detectLocal: boolean, o: Record<string, Override>): Suite => ({
  name: `TestInternalExternalMasquerade: ${sub}`,
  objects: OBJECTS,
  flags,
  detectLocal,
  rows: withOverrides(o),
});

/** The four settings of TestInternalExternalMasquerade. */
export const MASQUERADE_SUITES: Suite[] = [
  suite("base", [], true, {}),
  suite("no LocalTrafficDetector", [], false, NO_DETECTOR),
  suite("masqueradeAll", ["--masquerade-all"], true, MASQ_ALL),
  suite("masqueradeAll, no LocalTrafficDetector", ["--masquerade-all"], false, {
    ...MASQ_ALL,
    "pod to NodePort with eTP:Local": { output: "10.180.0.2:80" },
    "pod to LB with eTP:Local": { output: "10.180.0.2:80" },
  }),
];
