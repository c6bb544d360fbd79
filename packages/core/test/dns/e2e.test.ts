import { describe, expect, it } from "vitest";
import { type AddressFamily, installDns, type LookupRecord } from "../../src/dns/index.ts";
import { type Nanos, s } from "../../src/engine/index.ts";
import { buildCluster, prepareScenario } from "../../src/scenario/index.ts";
import type { TraceEvent } from "../../src/trace/index.ts";

const ofType = <T extends TraceEvent["type"]>(events: readonly TraceEvent[], type: T) =>
  events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);

const DNS_IP = "10.96.0.10";

/** Three nodes in iptables mode; kubeadm's kube-dns Service and a 2-replica CoreDNS Deployment; `web`; a client Pod. */
function cluster(family: AddressFamily = "ipv4") {
  const prepared = prepareScenario(
    {
      name: "dns-e2e",
      duration: "10s",
      cluster: {
        nodes: [
          { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
          { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
          { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24" },
        ],
        proxy: { mode: "iptables" },
        clusterCIDR: "10.244.0.0/16",
      },
      objects: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "client" },
          spec: { nodeName: "node-a", containers: [{ name: "app" }] },
        },
        {
          // kubeadm's CoreDNSService (cmd/kubeadm/app/phases/addons/dns/manifests.go).
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
          spec: {
            clusterIP: DNS_IP,
            selector: { "k8s-app": "kube-dns" },
            ports: [
              { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
              { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
              { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
            ],
          },
        },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "coredns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
          spec: {
            replicas: 2,
            selector: { matchLabels: { "k8s-app": "kube-dns" } },
            template: {
              metadata: { labels: { "k8s-app": "kube-dns" } },
              spec: {
                containers: [{ name: "coredns", ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }] }],
              },
            },
          },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web" },
          spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      ],
    },
    "dns-e2e",
  );
  const c = buildCluster(prepared.scenario.cluster, prepared.objects, 1, "packet");
  const dns = installDns(c, {
    family,
    upstream: { entries: [{ name: "api.example.com", addresses: ["93.184.216.34"] }] },
  });
  const lookup = (name: string, at: Nanos) => {
    let rec: LookupRecord | undefined;
    c.scheduler.at(at, () => {
      rec = dns.resolver("default/client")?.lookup(name);
    });
    c.scheduler.runUntil((at + s(2)) as Nanos);
    return rec as LookupRecord;
  };
  return { c, dns, lookup };
}

describe("DNS through the dataplane (iptables mode)", () => {
  it("resolves a Service name via the kube-dns ClusterIP: DNAT on the client's node, replies un-NATed", () => {
    const { c, dns, lookup } = cluster();
    const rec = lookup("web", s(5));
    const webIP = c.store.get("Service", "default/web")?.spec.clusterIP;
    expect(rec.error).toBeUndefined();
    expect(rec.addresses).toEqual([webIP]);
    expect(rec.queries).toBe(1); // A for web.default.svc.cluster.local (AF_INET; see the AF_UNSPEC case below)

    const coreIPs = [...dns.servers.keys()].map((k) => c.store.get("Pod", k)?.status.podIP);
    expect(coreIPs).toHaveLength(2);
    const nats = ofType(c.tracer.events, "nat").filter((n) => n.t >= s(5));
    const dnat = nats.filter((n) => n.kind === "dnat");
    // The query is rewritten on node-a, the client's node, from the ClusterIP to a CoreDNS Pod.
    expect(dnat).toHaveLength(1);
    for (const n of dnat) {
      expect(n.node).toBe("node-a");
      expect(n.from).toBe(`${DNS_IP}:53`);
      expect(coreIPs.map((ip) => `${ip}:53`)).toContain(n.to);
    }
    // One UDP flow: one backend pick among the two CoreDNS Pods.
    const picks = ofType(c.tracer.events, "lb.pick").filter((p) => p.t >= s(5));
    expect(picks).toHaveLength(1);
    expect(picks[0]).toMatchObject({ node: "node-a", service: "kube-system/kube-dns:dns", candidates: 2 });
    // Replies are un-DNATed on node-a: the client only ever hears from the ClusterIP.
    expect(nats.filter((n) => n.kind === "un-dnat" && n.node === "node-a")).toHaveLength(1);
    const heard = ofType(c.tracer.events, "pkt.recv").filter((e) => e.at === "default/client" && e.t >= s(5));
    expect(heard).toHaveLength(1);
    expect(heard.every((e) => e.pkt.src === `${DNS_IP}:53`)).toBe(true);
    // conntrack on node-a holds the UDP flow with its NATed reply tuple.
    const ct = ofType(c.tracer.events, "ct").filter((e) => e.node === "node-a" && e.op === "new" && e.t >= s(5));
    expect(ct.some((e) => e.tuple.includes(`${DNS_IP}`))).toBe(true);
  });

  it("sends the whole ndots search through the dataplane for an external name", () => {
    const { c, lookup } = cluster();
    const rec = lookup("api.example.com", s(5));
    expect(rec.addresses).toEqual(["93.184.216.34"]);
    expect(rec.tries.map((t) => t.outcome)).toEqual(["nxdomain", "nxdomain", "nxdomain", "answer"]);
    const dnat = ofType(c.tracer.events, "nat").filter((n) => n.kind === "dnat" && n.t >= s(5));
    expect(dnat).toHaveLength(4);
    // A new socket per name: four UDP flows, four backend picks.
    expect(ofType(c.tracer.events, "lb.pick").filter((p) => p.t >= s(5))).toHaveLength(4);
  });

  // getaddrinfo(AF_UNSPEC) sends A then AAAA on one socket. The AAAA datagram meets the
  // confirmed but unanswered UDP entry (ctinfo IP_CT_NEW); as in the kernel's
  // nf_nat_inet_fn, whose nat table runs only while !nf_nat_initialized(ct), it is
  // translated by the existing binding: same backend, no second pick.
  it("sends A and AAAA on one socket through one conntrack entry and one backend pick", () => {
    const { c, lookup } = cluster("unspec");
    const rec = lookup("web", s(5));
    expect(rec.addresses?.length).toBeGreaterThan(0);
    const nats = ofType(c.tracer.events, "nat").filter((n) => n.t >= s(5));
    const dnat = nats.filter((n) => n.kind === "dnat");
    expect(dnat).toHaveLength(2);
    expect(dnat[1]?.to).toBe(dnat[0]?.to);
    expect(ofType(c.tracer.events, "lb.pick").filter((p) => p.t >= s(5))).toHaveLength(1);
    expect(nats.filter((n) => n.kind === "un-dnat" && n.node === "node-a")).toHaveLength(2);
  });
});
