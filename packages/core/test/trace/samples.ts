import type { Nanos } from "../../src/engine/index.ts";
import type { TraceEvent, TraceEventType, TracePacket } from "../../src/trace/index.ts";

/** A SYN from a client Pod to a ClusterIP, as trace text. */
export const SYN: TracePacket = {
  id: 17,
  proto: "TCP",
  src: "10.244.1.5:40000",
  dst: "10.96.0.10:80",
  flags: "S",
  len: 60,
};
/** The same SYN after kube-proxy's DNAT to the backend Pod. */
export const SYN_DNAT: TracePacket = { ...SYN, dst: "10.244.2.7:8080" };

const t = (n: number): Nanos => n as Nanos;

/**
 * One event of every kind. The mapped type makes a new kind in the union a
 * compile error here, so every exporter test covers it.
 */
export const SAMPLES: { readonly [K in TraceEventType]: Extract<TraceEvent, { type: K }> } = {
  "pkt.send": { type: "pkt.send", t: t(120_000), node: "node-a", from: "web-1", pkt: SYN },
  "pkt.hook": { type: "pkt.hook", t: t(121_000), node: "node-a", pkt: SYN, hook: "PREROUTING" },
  "nf.rule": {
    type: "nf.rule",
    t: t(121_500),
    node: "node-a",
    pkt: SYN,
    table: "nat",
    chain: "KUBE-SERVICES",
    rule: '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-ABCDEFGHIJKLMNOP',
    index: 1,
  },
  "lb.pick": {
    type: "lb.pick",
    t: t(122_000),
    node: "node-a",
    pkt: SYN,
    service: "default/web:http",
    endpoint: "10.244.2.7:8080",
    candidates: 3,
    via: "iptables-statistic",
  },
  "lb.health": {
    type: "lb.health",
    t: t(122_200),
    node: "lb",
    service: "default/web",
    target: "node-b",
    check: "HTTP 192.168.0.11:32000/healthz",
    from: "healthy",
    to: "unhealthy",
    result: "503",
  },
  nat: {
    type: "nat",
    t: t(122_500),
    node: "node-a",
    pkt: SYN_DNAT,
    kind: "dnat",
    from: "10.96.0.10:80",
    to: "10.244.2.7:8080",
  },
  ct: {
    type: "ct",
    t: t(123_000),
    node: "node-a",
    pkt: SYN_DNAT,
    op: "new",
    tuple: "TCP 10.244.1.5:40000 > 10.96.0.10:80",
    reply: "TCP 10.244.2.7:8080 > 10.244.1.5:40000",
    state: "SYN_SENT",
    timeout: 120,
  },
  "pkt.route": {
    type: "pkt.route",
    t: t(124_000),
    node: "node-a",
    pkt: SYN_DNAT,
    dev: "eth0",
    via: "192.168.0.12",
    local: false,
  },
  "pkt.recv": { type: "pkt.recv", t: t(250_000), node: "node-b", at: "web-backend-2", pkt: SYN_DNAT },
  "pkt.drop": {
    type: "pkt.drop",
    t: t(12_000_250_000),
    node: "node-b",
    pkt: SYN,
    reason: "no-endpoints",
    where: "filter/KUBE-SERVICES",
  },
  sync: {
    type: "sync",
    t: t(1_000_000_000),
    node: "node-b",
    proxy: "iptables",
    full: true,
    services: 2,
    endpoints: 3,
    written: 41,
  },
  api: { type: "api", t: t(0), verb: "update", kind: "EndpointSlice", name: "default/web-abc12", note: "ready" },
  action: { type: "action", t: t(5_000_000_000), action: "delete-pod", detail: "default/web-backend-2" },
  fault: { type: "fault", t: t(6_000_000_000), node: "node-z", fault: "proxy-killed" },
};

/** Every sample, in time order. */
export const ALL_SAMPLES: TraceEvent[] = Object.values(SAMPLES).sort((a, b) => a.t - b.t);
