import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const MAIN = join(ROOT, "packages/core/src/cli/main.ts");
const SCENARIO = join(ROOT, "packages/scenarios/src/pod-to-pod.ts");

function svcsim(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(TSX, [MAIN, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("svcsim validate", () => {
  it("fails a Service with port 70000, naming the file, document, object and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "svcsim-"));
    const file = join(dir, "web.yaml");
    writeFileSync(
      file,
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n---\n" +
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 70000}]\n",
    );
    const { code, stderr } = svcsim(["validate", file]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `${file}: document 2, Service default/web: spec.ports[0].port: must be between 1 and 65535, got 70000`,
    );
  });

  it("prints what it understood of a good manifest", () => {
    const { code, stdout } = svcsim(["validate", join(ROOT, "packages/scenarios/src/pod-to-pod.pods.yaml")]);
    expect(code).toBe(0);
    expect(stdout).toContain("Pod default/client");
    expect(stdout).toContain("Pod default/server");
  });
});

describe("svcsim run", () => {
  it("writes byte-identical JSONL traces for one seed, and prints JSON with per-Pod counts", () => {
    const dir = mkdtempSync(join(tmpdir(), "svcsim-"));
    const a = svcsim([
      "run",
      SCENARIO,
      "--seed",
      "7",
      "--trace",
      join(dir, "a.jsonl"),
      "--trace-level",
      "rule",
      "--json",
    ]);
    const b = svcsim(["run", SCENARIO, "--seed", "7", "--trace", join(dir, "b.jsonl"), "--trace-level", "rule"]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(readFileSync(join(dir, "a.jsonl"), "utf8")).toBe(readFileSync(join(dir, "b.jsonl"), "utf8"));
    const json = JSON.parse(a.stdout);
    expect(json.seed).toBe(7);
    expect(json.metrics.pods.server.requests).toBe(10);
    expect(json.passed).toBe(true);
  });

  it("exits 1 when an expectation fails (a run too short for all ten requests)", () => {
    const { code, stdout } = svcsim(["run", SCENARIO, "--duration", "5s"]);
    expect(code).toBe(1);
    expect(stdout).toContain("✗ every request succeeds (requests.ok == 10, got 4)");
    expect(stdout).toContain("result    FAIL");
  });

  it("rejects bad flags with one clear line and exit code 2", () => {
    const { code, stderr } = svcsim(["run", SCENARIO, "--trace-level", "loud"]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('--trace-level: expected one of off, flow, packet, rule, got "loud"');
    const missing = svcsim(["run", "nope.ts"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("nope.ts: cannot load: no such file");
  });
});

describe("svcsim run --variant", () => {
  const staleUdp = join(ROOT, "packages/scenarios/src/stale-udp-conntrack.ts");

  it("runs a named export instead of the default: the cleanup variant moves the flow", () => {
    const base = svcsim(["run", staleUdp, "--json"]);
    const variant = svcsim(["run", staleUdp, "--variant", "withCleanup", "--json"]);
    expect([base.code, variant.code]).toEqual([0, 0]);
    expect(JSON.parse(base.stdout).scenario).toBe("stale-udp-conntrack");
    expect(JSON.parse(variant.stdout).scenario).toBe("stale-udp-conntrack-cleanup");
  });

  it("names the file and lists the variants it has when the name is wrong", () => {
    const { code, stderr } = svcsim(["run", staleUdp, "--variant", "cleanup"]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`${staleUdp}: no scenario exported as "cleanup"; its variants: default, withCleanup`);
  });
});

describe("svcsim run --trace-level off", () => {
  it("says so when a check that reads the trace fails for want of it", () => {
    const staleUdp = join(ROOT, "packages/scenarios/src/stale-udp-conntrack.ts");
    const { code, stdout } = svcsim(["run", staleUdp, "--trace-level", "off"]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      "✗ the flow is balanced once, and never again (0 lb.pick events (the trace was off: a check that reads it sees no events))",
    );
  });
});
