import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InputError } from "../../src/engine/index.ts";
import {
  kubeDnsObjects,
  prepareScenario,
  readScenarioFile,
  runScenario,
  type ScenarioInput,
} from "../../src/scenario/index.ts";

const base: ScenarioInput = {
  name: "t",
  duration: "8s",
  cluster: {
    nodes: [
      { name: "a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "c" },
      spec: { nodeName: "a", containers: [{ name: "c" }] },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "s", labels: { app: "s" } },
      spec: { nodeName: "b", containers: [{ name: "s" }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "s" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ],
};

const problems = (input: unknown) => {
  try {
    prepareScenario(input, "t.ts");
  } catch (error) {
    return (error as InputError).problems;
  }
  return [];
};

describe("client kinds in the scenario schema", () => {
  it("defaults a client without a kind to connection-per-request", () => {
    const p = prepareScenario(
      { ...base, workload: { clients: [{ name: "x", from: "c", to: "10.0.0.1:80", requests: 1 }] } },
      "t.ts",
    );
    expect(p.scenario.workload.clients[0]?.kind).toBe("connection-per-request");
  });

  it("fills an http1 client's defaults: Go's Transport preset, a 30 s deadline", () => {
    const p = prepareScenario(
      {
        ...base,
        workload: {
          clients: [{ kind: "http1", name: "x", from: "c", to: "10.0.0.1:80", load: { type: "open", rate: 5 } }],
        },
      },
      "t.ts",
    );
    expect(p.scenario.workload.clients[0]).toMatchObject({
      kind: "http1",
      agent: { preset: "go-transport" },
      load: { type: "open", rate: 5, ramp: [] },
      timeout: 30e9,
      start: 0,
    });
  });

  it("names the path and the expectation of each mistake", () => {
    const http1 = (extra: object) => ({
      ...base,
      workload: { clients: [{ kind: "http1", name: "x", from: "c", to: "10.0.0.1:80", ...extra }] },
    });
    expect(problems(http1({ load: { type: "closed", concurrency: 0 } }))).toEqual([
      "t.ts: workload.clients[0].load.concurrency: Too small: expected number to be >=1, got 0",
    ]);
    expect(
      problems(
        http1({
          load: {
            type: "open",
            rate: 1,
            ramp: [
              { at: "10s", rate: 5, over: "10s" },
              { at: "15s", rate: 1 },
            ],
          },
        }),
      ),
    ).toEqual(['t.ts: workload.clients[0].load.ramp[1].at: expected a time after the previous ramp ends, got "15s"']);
    expect(problems(http1({ load: { type: "open", rate: 1 }, to: { name: "web", port: 80 } }))).toEqual([
      't.ts: workload.clients[0].to.name: a name target needs a dns block to resolve it, got "web"',
    ]);
    const perRequestByName = {
      ...base,
      dns: {},
      workload: { clients: [{ name: "x", from: "c", to: { name: "web", port: 80 }, requests: 1 }] },
    };
    expect(problems(perRequestByName)).toEqual([
      't.ts: workload.clients[0].to.name: a name target needs a client of kind "http1", "http2" or "grpc", got "web"',
    ]);
    const grpcToService = {
      ...base,
      dns: {},
      workload: {
        clients: [
          {
            kind: "grpc",
            name: "g",
            from: "c",
            to: { service: "web", port: 80 },
            load: { type: "interval", requests: 1 },
          },
        ],
      },
    };
    expect(problems(grpcToService)).toEqual([
      "t.ts: workload.clients[0].to: a grpc client needs a name target { name, port } (dns:///name:port), got an object",
    ]);
    const senderByName = {
      ...base,
      workload: { senders: [{ name: "s", from: "c", to: { name: "statsd", port: 8125 } }] },
    };
    expect(problems(senderByName)[0]).toMatch(/^t\.ts: workload\.senders\[0\]\.to: /);
    const grpcServerExit = {
      ...base,
      workload: { servers: [{ kind: "grpc", selector: { app: "s" }, port: 50051, sigterm: "exit" }] },
    };
    expect(problems(grpcServerExit)).toEqual([
      't.ts: workload.servers[0].sigterm: a grpc server drains with GOAWAY on SIGTERM; only "drain" is modelled, got "exit"',
    ]);
    expect(problems({ ...base, workload: { clients: [{ kind: "http3", name: "x" }] } })[0]).toMatch(
      /^t\.ts: workload\.clients\[0\]\.kind: /,
    );
  });
});

describe("a name target through the client Pod's resolver", () => {
  const named = (name: string): ScenarioInput => ({
    ...base,
    objects: [...(base.objects ?? []), ...kubeDnsObjects({ replicas: 1 })],
    dns: { family: "ipv4" },
    workload: {
      servers: [{ selector: { app: "s" }, port: 8080 }],
      clients: [
        {
          kind: "http1",
          name: "x",
          from: "c",
          to: { name, port: 80 },
          load: { type: "interval", interval: "1s", requests: 3 },
          start: "3s",
        },
      ],
    },
  });

  it("connects to the address the lookup returned (the ClusterIP), once per connection", () => {
    const result = runScenario(prepareScenario(named("web"), "t.ts"));
    expect(result.metrics.requests).toMatchObject({ ok: 3, failed: 0 });
    const clusterIP = result.cluster.store.get("Service", "default/web")?.spec.clusterIP;
    expect(result.workload.records.every((r) => r.remote === `${clusterIP}:80`)).toBe(true);
    // Go's Transport keeps the connection: one dial, so one lookup, for three requests.
    expect(result.metrics.dns).toMatchObject({ lookups: 1, ok: 1, queries: 1 });
  });

  it("fails each request with the lookup's error: dns-nxdomain for a name nobody knows", () => {
    const result = runScenario(prepareScenario(named("nope"), "t.ts"));
    expect(result.metrics.requests.errors).toEqual({ "dns-nxdomain": 3 });
    expect(result.metrics.dns?.errors).toEqual({ nxdomain: 3 });
    // "nope" has no dots: the three search domains, then the name itself (ndots 5): 4 queries each.
    expect(result.metrics.dns?.queriesPerLookup).toBe(4);
  });
});

describe("YAML scenarios", () => {
  it("accept the same client kinds and dns block as TypeScript ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "svcsim-"));
    const file = join(dir, "s.yaml");
    writeFileSync(
      file,
      [
        "name: yaml-http1",
        "duration: 5s",
        "cluster:",
        "  nodes: [{ name: a, ip: 192.168.0.10, podCIDR: 10.244.1.0/24 }]",
        "objects:",
        "  - { apiVersion: v1, kind: Pod, metadata: { name: c }, spec: { nodeName: a, containers: [{ name: c }] } }",
        "dns: { ndots: 2, upstream: [{ name: api.example.com, addresses: [10.1.2.3] }] }",
        "workload:",
        "  clients:",
        "    - kind: http1",
        "      name: x",
        "      from: c",
        "      to: 10.244.1.9:80",
        "      agent: { preset: node-global-agent, idleTimeout: none }",
        "      load: { type: closed, concurrency: 2, think: 100ms }",
      ].join("\n"),
    );
    const prepared = prepareScenario(await readScenarioFile(file), file);
    expect(prepared.scenario.dns).toMatchObject({ ndots: 2, ttl: 30, family: "unspec", lameduck: 5e9 });
    expect(prepared.scenario.workload.clients[0]).toMatchObject({
      agent: { preset: "node-global-agent", idleTimeout: "none" },
      load: { type: "closed", concurrency: 2, think: 1e8, thinkDistribution: "constant" },
    });
  });
});
