import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseIptablesSave } from "../../src/netfilter/index.ts";

const ROOT = resolve(import.meta.dirname, "../../../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const MAIN = join(ROOT, "packages/core/src/cli/main.ts");
const WALK = join(ROOT, "packages/scenarios/src/clusterip-walk.ts");

function svcsim(args: string[]) {
  const r = spawnSync(TSX, [MAIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, "") };
}

describe("svcsim inspect --scenario", () => {
  it("prints a node's iptables-save at a simulated time: no Service rules before the first sync, the Service's after", () => {
    const before = svcsim(["inspect", "iptables-save", "--scenario", WALK, "--node", "node-a", "--at", "0s"]);
    expect(before.code).toBe(0);
    expect(before.stdout).not.toContain("KUBE-SVC-");
    const after = svcsim(["inspect", "iptables-save", "--scenario", WALK, "--node", "node-a", "--at", "5s"]);
    expect(after.code).toBe(0);
    const nat = parseIptablesSave(after.stdout).tables.get("nat");
    const svcChains = [...(nat?.chains.keys() ?? [])].filter((c) => c.startsWith("KUBE-SVC-"));
    expect(svcChains).toHaveLength(1);
    // Two ready endpoints: two KUBE-SEP chains, the first picked with probability 1/2.
    expect(after.stdout).toContain("--probability 0.5000000000");
    expect([...(nat?.chains.keys() ?? [])].filter((c) => c.startsWith("KUBE-SEP-"))).toHaveLength(2);
  });

  it("prints the conntrack table like conntrack -L, with the DNAT in the reply tuple", () => {
    const { code, stdout, stderr } = svcsim([
      "inspect",
      "conntrack",
      "--scenario",
      WALK,
      "--node",
      "node-a",
      "--at",
      "4001ms",
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain("1 flow entries have been shown.");
    // 1 ms into the connection: ESTABLISHED with kube-proxy's 86400 s timeout
    // (--conntrack-tcp-timeout-established=24h), 86399 whole seconds left.
    expect(stdout).toMatch(
      /^tcp {6}6 86399 ESTABLISHED src=10\.244\.1\.2 dst=10\.96\.1\.1 sport=\d+ dport=80 src=10\.244\.[23]\.2 dst=10\.244\.1\.2 sport=8080 dport=\d+ \[ASSURED\] mark=0 use=1\n$/,
    );
  });

  it("names an unknown node and lists the real ones", () => {
    const { code, stderr } = svcsim(["inspect", "iptables-save", "--scenario", WALK, "--node", "node-x", "--at", "1s"]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`--node: no node "node-x" in ${WALK} (nodes: node-a, node-b, node-c)`);
  });
});
