/**
 * The readable walk says why a path was refused: the drop reason svcsim's
 * traces use, the Service named in kube-proxy's rule comment, and for
 * loadBalancerSourceRanges the sources the Service's KUBE-FW-* chain lets in.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { explainCommand } from "../../src/cli/explain.ts";
import { KUBE_PROXY_TRACE_RULES } from "../netfilter/fixtures.ts";
import { TEST_EXTERNAL_CLIENT_BLOCKED as BLOCKED, TEST_EXTERNAL_CLIENT as EXT } from "../proxy/fixtures.ts";
import { TRAFFIC_POLICY_SUITES } from "./explain-cases-traffic-policy.ts";
import { capture, FAKE_PROXIER_FLAGS, manifestFile, writeTemp } from "./explain-helpers.ts";
import { SUITES, type Suite } from "./kube-proxy-cases.ts";

const suite = (list: Suite[], name: string) => list.find((s) => s.name === name)!;

async function walk(rules: string[], from: string, to: string): Promise<string> {
  const r = await capture(() => explainCommand([...rules, "--from", from, "--to", to]));
  expect(r.code).toBe(0);
  return r.stdout;
}

const manifests = (s: Suite) => ["--manifests", manifestFile(s.objects), ...FAKE_PROXIER_FLAGS, ...s.flags];

describe("why a path was refused", () => {
  it("source-range: the client, the Service and the allowed sources", async () => {
    // TestLoadBalancer: loadBalancerSourceRanges 192.168.0.0/24 and " 203.0.113.0/25"; the
    // node IP 192.168.0.2 is inside the first, so kube-proxy also lets the LB IPs in
    // (proxier_test.go's expected KUBE-FW chain: -s 192.168.0.0/24, 203.0.113.0/25,
    // 1.2.3.4, 5.6.7.8). 203.0.113.130 is outside 203.0.113.0/25 (…0–127).
    const out = await walk(manifests(suite(SUITES, "TestLoadBalancer")), BLOCKED, "1.2.3.4:80/tcp");
    expect(out).toContain(
      "  why: DROP (source-range: 203.0.113.130 not in loadBalancerSourceRanges of ns1/svc1:p80; " +
        "allowed: 192.168.0.0/24, 203.0.113.0/25, 1.2.3.4, 5.6.7.8)",
    );
    expect(out).toContain("path 1 of 1 (100%): DROP, refused (source-range),");
  });

  it("an allowed client has no why line", async () => {
    const out = await walk(manifests(suite(SUITES, "TestLoadBalancer")), EXT, "1.2.3.4:80/tcp");
    expect(out).toContain("output: 10.180.0.1:80");
    expect(out).not.toContain("why:");
  });

  it("no-local-endpoints under externalTrafficPolicy: Local (a real dump)", async () => {
    // TestTracePacket's ns2/svc2: eTP Local, its only endpoint not on this node.
    const dump = writeTemp("node.iptables", KUBE_PROXY_TRACE_RULES);
    const out = await walk(["--iptables-save", dump, "--node-ip", "192.168.0.2"], EXT, "192.168.99.22:80/tcp");
    expect(out).toContain(
      "  why: DROP (no-local-endpoints: ns2/svc2:p80 has no local endpoints on this node and its externalTrafficPolicy is Local)",
    );
  });

  it("no-local-endpoints under internalTrafficPolicy: Local", async () => {
    const s = suite(
      TRAFFIC_POLICY_SUITES,
      "TestInternalTrafficPolicy: internalTrafficPolicy is local and there are no local endpoints",
    );
    const out = await walk(manifests(s), "10.0.0.2", "172.30.1.1:80/tcp");
    expect(out).toContain(
      "  why: DROP (no-local-endpoints: ns1/svc1 has no local endpoints on this node and its internalTrafficPolicy is Local)",
    );
  });

  it("no-endpoints: REJECT", async () => {
    const out = await walk(manifests(suite(SUITES, "TestNoEndpointsReject")), EXT, "1.2.3.4:80/tcp");
    expect(out).toContain("  why: REJECT (no-endpoints: ns1/svc1:p80 has no endpoints)");
  });

  it("another rule: its table, chain, position and comment", async () => {
    // A remote source to 127.0.0.1 on a port no Service uses is not DNATed, so it reaches
    // filter INPUT and kube-proxy's KUBE-FIREWALL "block incoming localnet connections"
    // (written while localhost NodePorts are on). (To the NodePort 3001 it would be DNATed
    // first, which that rule lets through: `! --ctstate RELATED,ESTABLISHED,DNAT`.)
    const np = suite(SUITES, "TestNodePorts: ipv4, localhost-nodeports enabled");
    const out = await walk(manifests(np), EXT, "127.0.0.1:9999/tcp");
    expect(out).toMatch(/why: DROP \(rule-drop: filter KUBE-FIREWALL rule 1: block incoming localnet connections\)/);
  });
});

describe("docs/guides/explain.md: the external-traffic examples", () => {
  // The page's shop.yaml and the commands under it, run here; the page must hold their
  // exact output, so the docs cannot drift from the tool.
  const page = readFileSync(fileURLToPath(new URL("../../../../docs/guides/explain.md", import.meta.url)), "utf8");
  const yaml = /```yaml\n(apiVersion: v1\nkind: Node\n(?:(?!```)[\s\S])*name: shop,[\s\S]*?)```/.exec(page)?.[1];
  const commands = [...page.matchAll(/^\$ svcsim explain --manifests shop\.yaml (.*)$/gm)].map((m) => m[1] as string);

  it("has the manifest and three commands", () => {
    expect(yaml).toBeDefined();
    expect(commands).toHaveLength(3);
  });

  for (const [i, cmd] of commands.entries()) {
    it(`command ${i + 1}: ${cmd}`, async () => {
      const file = writeTemp("shop.yaml", yaml ?? "");
      const args = cmd.split(" ");
      const r = await capture(() => explainCommand(["--manifests", file, ...args]));
      expect(r.code).toBe(0);
      const shown = args.includes("--json") ? r.stdout.replace(/,"path":\[.*\]\}/, ',"path":[…]}') : r.stdout;
      expect(page).toContain(`$ svcsim explain --manifests shop.yaml ${cmd}\n${shown.trimEnd()}\n\`\`\``);
    });
  }
});
