/** Runs `explain` / `inspect` in-process, on manifests written from proxier_test.go-style fixtures. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { stringify } from "yaml";
import type { EndpointSlice, Service } from "../../src/api/index.ts";
import { explainCommand } from "../../src/cli/explain.ts";
import { TEST_NODE_IPS, TEST_NODE_NAME } from "../proxy/fixtures.ts";

/** A fresh temp directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "svcsim-explain-"));
}

/** Writes `text` to `name` in a fresh temp directory; returns the path. */
export function writeTemp(name: string, text: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/** Writes objects as one multi-document YAML manifest file. */
export function manifestFile(objects: readonly (Service | EndpointSlice)[]): string {
  return writeTemp("manifests.yaml", objects.map((o) => stringify(o)).join("---\n"));
}

/**
 * kube-proxy's NewFakeProxier node, in flags: hostname test-node, the
 * testNodeIPs, detect-local by 10.0.0.0/8; the Go tests' ClusterIPs are in
 * 172.30.0.0/16 and their NodePorts (3001…) below the default range.
 * `detectLocal: false` is the Go tests' `fp.localDetector =
 * NewNoOpLocalDetector()`: no --cluster-cidr, so kube-proxy detects nothing.
 */
export function fakeProxierFlags(detectLocal = true): string[] {
  return [
    "--hostname-override",
    TEST_NODE_NAME,
    ...TEST_NODE_IPS.flatMap((ip) => ["--node-ip", ip]),
    ...(detectLocal ? ["--cluster-cidr", "10.0.0.0/8"] : []),
    "--service-cluster-ip-range",
    "172.30.0.0/16",
    "--service-node-port-range",
    "3000-32767",
  ];
}

/** {@link fakeProxierFlags} with local-traffic detection on (NewFakeProxier's default). */
export const FAKE_PROXIER_FLAGS = fakeProxierFlags();

/** What a command printed and returned. */
export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, capturing console.log/console.error and process.stdout.write. */
export async function capture(run: () => Promise<number>): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(`${a.join(" ")}\n`));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(`${a.join(" ")}\n`));
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await run();
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

/** One `--json` line. */
export interface JsonAnswer {
  name: string;
  output: string;
  masq: boolean;
  rulesEvaluated: number;
  path: string[];
}

/** Runs `explain --json` and parses its JSON Lines. */
export async function explainJson(args: string[]): Promise<JsonAnswer[]> {
  const r = await capture(() => explainCommand([...args, "--json"]));
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JsonAnswer);
}
