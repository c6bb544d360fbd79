/**
 * The kernel differential test: svcsim's iptables-mode `iptables-save` of a
 * node, for generated clusters, is loaded with `iptables-restore` into a
 * fresh network namespace, and TCP SYNs and UDP datagrams from pods, the node
 * itself and external hosts are sent through it. Each kernel fate (the DNAT
 * and masquerade in `conntrack -L`, an ICMP reject, or silence) must be one of
 * the fates svcsim's netfilter model gives the same packet, and repeated sends
 * must reach every fate svcsim lists. See docs/guides/kernel-differential.md.
 *
 * Needs root, iproute2, iptables and conntrack (`.ci/run` installs them);
 * fails with a message naming what is missing, or skips with
 * SVCSIM_SKIP_KERNEL=1. Replay a failure with the SVCSIM_KERNEL_SEED and
 * SVCSIM_KERNEL_PATH it prints; SVCSIM_KERNEL_CLUSTERS sets the run count.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCluster, clusterArb, type GenCluster } from "./cluster.ts";
import { KernelHarness } from "./differential.ts";
import { clusterReport } from "./report.ts";
import { preflight, setUp, tearDown, topologyNames } from "./topology.ts";

const SKIP = process.env.SVCSIM_SKIP_KERNEL === "1";
const CLUSTERS = Number(process.env.SVCSIM_KERNEL_CLUSTERS ?? 200);
const SEED = Number(process.env.SVCSIM_KERNEL_SEED ?? 20260601);
const PATH = process.env.SVCSIM_KERNEL_PATH;
const MINUTES = 60_000;

if (SKIP) console.warn("kernel differential test skipped: SVCSIM_SKIP_KERNEL=1");

describe.skipIf(SKIP)("svcsim's iptables model agrees with the Linux kernel", () => {
  const topology = topologyNames();
  let harness: KernelHarness | undefined;

  beforeAll(() => {
    const missing = preflight();
    if (missing) throw new Error(missing);
    setUp(topology);
    harness = new KernelHarness(topology);
  }, MINUTES);

  afterAll(async () => {
    harness?.close();
    await new Promise((r) => setTimeout(r, 200));
    tearDown(topology);
  });

  it(
    `agrees on every probe of ${CLUSTERS} generated clusters`,
    async () => {
      const h = harness as KernelHarness;
      const total = { clusters: 0, probes: 0, groups: 0, coverage: 0, affinity: 0 };
      const started = Date.now();
      const property = fc.asyncProperty(clusterArb, async (g: GenCluster) => {
        const r = await h.run(buildCluster(g));
        total.clusters++;
        total.probes += r.probes;
        total.groups += r.groups;
        total.coverage += r.coverageGroups;
        total.affinity += r.affinityGroups;
        if (r.disagreements.length > 0) throw new Error(clusterReport(g, r));
      });
      const details = await fc.check(property, {
        numRuns: CLUSTERS,
        seed: SEED,
        ...(PATH ? { path: PATH } : {}),
      });
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `kernel differential: ${total.clusters} clusters, ${total.probes} probes in ${total.groups} (target, source) groups, ` +
          `${total.coverage} checked for reaching every endpoint, ${total.affinity} for ClientIP affinity, ${secs}s`,
      );
      if (details.failed) {
        const replay = `SVCSIM_KERNEL_SEED=${details.seed} SVCSIM_KERNEL_PATH=${details.counterexamplePath} npx vitest run packages/core/test/kernel`;
        const cause =
          details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new Error(`${fc.defaultReportMessage(details)}\n\n${cause}\n\nReplay with: ${replay}`);
      }
    },
    30 * MINUTES,
  );

  it(
    "reports a wrong model: a changed DNAT target and a REJECT read as DROP",
    async () => {
      // The kernel gets svcsim's real ruleset; svcsim reads one with two changes.
      const g: GenCluster = {
        clusterCIDR: true,
        masqueradeAll: false,
        nodePortAddresses: "all",
        services: [
          {
            type: "ClusterIP",
            ports: [{ proto: "TCP", port: 80, remapTarget: false }],
            externalIP: false,
            lbIngress: false,
            sourceRanges: [],
            externalLocal: false,
            internalLocal: false,
            affinitySeconds: null,
            publishNotReady: false,
            endpoints: [
              { slot: 1, local: true, state: 0 },
              { slot: 1, local: false, state: 0 },
            ],
            sliceWhenEmpty: false,
            sources: ["pod", "extIn"],
          },
          {
            type: "NodePort",
            ports: [{ proto: "UDP", port: 53, remapTarget: false }],
            externalIP: false,
            lbIngress: false,
            sourceRanges: [],
            externalLocal: false,
            internalLocal: false,
            affinitySeconds: null,
            publishNotReady: false,
            endpoints: [],
            sliceWhenEmpty: true,
            sources: ["pod", "extIn"],
          },
        ],
      };
      const wrong = (save: string) =>
        save
          .replaceAll("--to-destination 10.180.1.2:80", "--to-destination 10.180.1.9:80")
          .replaceAll("-j REJECT", "-j DROP");
      const r = await (harness as KernelHarness).run(buildCluster(g), wrong);
      const reasons = r.disagreements.map((d) => `${d.what}: ${d.reason}`);
      expect(reasons).toContainEqual(
        expect.stringMatching(/svc0 .*cluster IP: the kernel's fate "dnat 10\.180\.1\.2:80"/),
      );
      expect(reasons).toContainEqual(
        expect.stringMatching(/svc0 .*cluster IP: after \d+ sends the kernel never chose "dnat 10\.180\.1\.9:80"/),
      );
      expect(reasons).toContainEqual(expect.stringMatching(/svc1 .*cluster IP: the kernel's fate "reject"/));
      // And the true model agrees.
      expect((await (harness as KernelHarness).run(buildCluster(g))).disagreements).toEqual([]);
    },
    2 * MINUTES,
  );
});
