/**
 * `svcsim explain --manifests … --flows … --json` on kube-proxy's own
 * packet-flow tables: the Services and EndpointSlices of each Go test, written
 * as YAML, programmed through the CLI, and every row's `output` and `masq`
 * compared with the Go test's expectation (see kube-proxy-cases.ts and
 * explain-cases-*.ts).
 */
import { describe, expect, it } from "vitest";
import { inspectCommand } from "../../src/cli/inspect.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import { parseIptablesSave, traceLikeKubeProxy } from "../../src/netfilter/index.ts";
import { TEST_NODE_IPS } from "../proxy/fixtures.ts";
import { MASQUERADE_SUITES } from "./explain-cases-masquerade.ts";
import { OLDER_SUITES } from "./explain-cases-older.ts";
import { TRAFFIC_POLICY_SUITES } from "./explain-cases-traffic-policy.ts";
import { capture, explainJson, fakeProxierFlags, manifestFile, writeTemp } from "./explain-helpers.ts";
import { SUITES } from "./kube-proxy-cases.ts";

for (const suite of [...SUITES, ...OLDER_SUITES, ...TRAFFIC_POLICY_SUITES, ...MASQUERADE_SUITES]) {
  describe(suite.name, () => {
    const manifests = manifestFile(suite.objects);
    const flows = writeTemp("flows.json", JSON.stringify(suite.rows));
    const node = [...fakeProxierFlags(suite.detectLocal ?? true), ...suite.flags];
    const args = ["--manifests", manifests, ...node, "--flows", flows];

    it("answers every row as kube-proxy's packet-flow test expects", async () => {
      const answers = await explainJson(args);
      expect(answers.map((a) => ({ name: a.name, output: a.output, masq: a.masq }))).toEqual(
        suite.rows.map((r) => ({ name: r.name, output: r.output, masq: r.masq ?? false })),
      );
    });

    it("agrees with the port of kube-proxy's tracer on the same rules", async () => {
      // The kernel-semantics walk and the tracer's shortcuts must reach the same answer on
      // kube-proxy-shaped rules.
      const save = await capture(() => inspectCommand(["iptables-save", "--manifests", manifests, ...node]));
      const rules = parseIptablesSave(save.stdout);
      const answers = await explainJson(args);
      suite.rows.forEach((r, i) => {
        const traced = traceLikeKubeProxy(
          rules,
          {
            src: parseIPv4(r.sourceIP),
            protocol: (r.protocol ?? "TCP").toLowerCase(),
            dst: parseIPv4(r.destIP),
            dstPort: r.destPort,
          },
          TEST_NODE_IPS.map(parseIPv4),
        );
        expect({ name: r.name, output: answers[i]?.output, masq: answers[i]?.masq }).toEqual({
          name: r.name,
          output: traced.output,
          masq: traced.masq,
        });
      });
    });
  });
}
