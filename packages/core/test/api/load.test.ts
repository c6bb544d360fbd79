import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  formatPath,
  type KubeObject,
  KubeObjectSchema,
  loadManifests,
  parseObject,
  type Service,
  validateManifests,
} from "../../src/api/index.ts";
import { InputError } from "../../src/engine/index.ts";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
  throw new Error("expected an InputError");
}

const svc = (name: string, extra = "") => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: {app: ${name}}
  ports:
  - port: 80
    targetPort: 8080
${extra}`;

describe("loadManifests error lines", () => {
  it("reports the 70000 example exactly, naming file, document, object and field", () => {
    const text = `${svc("db")}---\n${svc("web").replace("port: 80\n", "port: 70000\n")}`;
    expect(problemsOf(() => loadManifests([{ file: "web.yaml", text }]))).toEqual([
      "web.yaml: document 2, Service default/web: spec.ports[0].port: must be between 1 and 65535, got 70000",
    ]);
  });

  it("lists every problem across files and documents, not just the first", () => {
    const bad1 = svc("web").replace("port: 80\n", "port: 0\n");
    const bad2 = svc("api").replace("targetPort: 8080", "targetPort: Not_A_Name");
    const lines = problemsOf(() =>
      loadManifests([
        { file: "a.yaml", text: bad1 },
        { file: "b.yaml", text: `${svc("ok")}---\n${bad2}` },
      ]),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      "a.yaml: document 1, Service default/web: spec.ports[0].port: must be between 1 and 65535, got 0",
    );
    expect(lines[1]).toMatch(
      /^b\.yaml: document 2, Service default\/api: spec\.ports\[0\]\.targetPort: must be an IANA service name .*got "Not_A_Name"$/,
    );
  });

  it("names the file and line of YAML syntax errors, and still checks the other files", () => {
    const lines = problemsOf(() =>
      loadManifests([
        { file: "broken.yaml", text: "apiVersion: v1\nkind: Service\nmetadata: {name: [\n" },
        { file: "web.yaml", text: svc("web").replace("port: 80\n", "port: 70000\n") },
      ]),
    );
    expect(lines[0]).toMatch(/^broken\.yaml: line \d+, column \d+: /);
    expect(lines).toContain(
      "web.yaml: document 1, Service default/web: spec.ports[0].port: must be between 1 and 65535, got 70000",
    );
  });

  it("says what type was expected and what was found", () => {
    const text = svc("web").replace("port: 80\n", 'port: "80"\n');
    expect(problemsOf(() => loadManifests([{ file: "w.yaml", text }]))).toEqual([
      'w.yaml: document 1, Service default/web: spec.ports[0].port: must be an integer, got "80"',
    ]);
  });

  it("rejects a supported kind with the wrong apiVersion", () => {
    const text = svc("web").replace("apiVersion: v1", "apiVersion: v2");
    expect(problemsOf(() => loadManifests([{ file: "w.yaml", text }]))).toEqual([
      'w.yaml: document 1, Service default/web: apiVersion: must be "v1" for kind Service, got "v2"',
    ]);
  });

  it("rejects the same object defined twice", () => {
    const lines = problemsOf(() => loadManifests([{ file: "w.yaml", text: `${svc("web")}---\n${svc("web")}` }]));
    expect(lines).toEqual([
      "w.yaml: document 2, Service default/web: is defined more than once (first at w.yaml: document 1)",
    ]);
  });

  it("prints a cluster-scoped Node as `Node name`", () => {
    const text = "apiVersion: v1\nkind: Node\nmetadata: {name: Worker_1}\n";
    expect(problemsOf(() => loadManifests([{ file: "n.yaml", text }]))[0]).toMatch(
      /^n\.yaml: document 1, Node Worker_1: metadata\.name: /,
    );
  });
});

describe("multi-document YAML and List", () => {
  it("loads every document, skipping empty ones, and expands kind: List", () => {
    const list = `apiVersion: v1
kind: List
items:
- ${svc("a").replaceAll("\n", "\n  ")}
- ${svc("b").replaceAll("\n", "\n  ")}
`;
    const text = `---\n${svc("first")}---\n---\n${list}---\n`;
    const { objects, sources } = loadManifests([{ file: "m.yaml", text }]);
    expect(objects.map((o) => o.metadata.name)).toEqual(["first", "a", "b"]);
    // Document numbers count every `---` document, empty ones included.
    expect(sources).toEqual([
      { file: "m.yaml", document: 1 },
      { file: "m.yaml", document: 3, item: 0 },
      { file: "m.yaml", document: 3, item: 1 },
    ]);
  });

  it("names the List item in problem lines", () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- ${svc("a").replace("port: 80\n", "port: 70000\n").replaceAll("\n", "\n  ")}\n`;
    expect(problemsOf(() => loadManifests([{ file: "l.yaml", text }]))).toEqual([
      "l.yaml: document 1, items[0], Service default/a: spec.ports[0].port: must be between 1 and 65535, got 70000",
    ]);
  });
});

describe("unknown kinds", () => {
  const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n";

  it("skips them with a warning by default", () => {
    const { objects, warnings } = loadManifests([{ file: "m.yaml", text: `${cm}---\n${svc("web")}` }]);
    expect(objects.map((o) => o.kind)).toEqual(["Service"]);
    expect(warnings).toEqual([
      "m.yaml: document 1: kind ConfigMap is not supported (supported: Service, EndpointSlice, Pod, Deployment, Node); skipped",
    ]);
  });

  it("rejects them when asked to", () => {
    expect(problemsOf(() => loadManifests([{ file: "m.yaml", text: cm }], { unknownKinds: "error" }))).toEqual([
      "m.yaml: document 1: kind ConfigMap is not supported (supported: Service, EndpointSlice, Pod, Deployment, Node)",
    ]);
  });

  it("always rejects a likely typo of a supported kind", () => {
    const text = svc("web").replace("kind: Service", "kind: Servce");
    expect(problemsOf(() => loadManifests([{ file: "m.yaml", text }]))[0]).toMatch(
      /kind Servce is not supported .*did you mean Service\?$/,
    );
  });
});

describe("parseObject", () => {
  it("parses an object built in code, with defaults and no allocation", () => {
    const obj = parseObject(
      { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } },
      "scenario.ts",
    );
    const s = obj as Service;
    expect(s.spec.ports[0]).toEqual({ protocol: "TCP", port: 80, targetPort: 80 });
    expect(s.spec.clusterIP).toBeUndefined();
  });

  it("throws InputError naming the label given as `where`", () => {
    const bad = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 70000 }] } };
    expect(problemsOf(() => parseObject(bad, "scenario.objects[2]"))).toEqual([
      "scenario.objects[2], Service default/web: spec.ports[0].port: must be between 1 and 65535, got 70000",
    ]);
  });
});

describe("a realistic manifest set", () => {
  // Shaped like `kubectl get -o yaml` output: status blocks, managedFields,
  // nulls and fields svcsim ignores must all be accepted.
  const text = `apiVersion: v1
kind: Node
metadata:
  name: worker-1
  labels: {kubernetes.io/hostname: worker-1, topology.kubernetes.io/zone: us-east-1a}
  managedFields: [{manager: kubelet}]
spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24], taints: null}
status:
  addresses: [{type: InternalIP, address: 10.0.0.11}, {type: Hostname, address: worker-1}]
  capacity: {cpu: "4"}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: 10.96.0.10
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
  selector: {k8s-app: kube-dns}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{name: http, containerPort: 8080}]
        resources: {limits: {cpu: 500m}}
        readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 5}
        lifecycle: {preStop: {sleep: {seconds: 10}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x7k2p, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
- addresses: [10.244.1.7]
  conditions: {ready: true, serving: true, terminating: false}
  nodeName: worker-1
  zone: us-east-1a
  hints: {forZones: [{name: us-east-1a}]}
  targetRef: {kind: Pod, name: web-6d4f-abcde, namespace: shop}
ports: [{name: http, port: 8080, protocol: TCP}]
`;

  it("loads every object with the values a real API server would hold", () => {
    const { objects } = loadManifests([{ file: "cluster.yaml", text }]);
    const byRef = new Map<string, KubeObject>(
      objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]),
    );
    const lb = byRef.get("Service/shop/web") as Service;
    expect(lb.spec.externalTrafficPolicy).toBe("Local");
    expect(lb.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.spec.ports[0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.status.loadBalancer.ingress).toEqual([{ ip: "203.0.113.10" }]);
    const dns = byRef.get("Service/kube-system/kube-dns") as Service;
    expect(dns.spec.clusterIPs).toEqual(["10.96.0.10"]);
    expect(byRef.get("Node//worker-1")?.kind).toBe("Node");
    expect(objects).toHaveLength(5);
  });

  it("describes each object on one line for svcsim validate", () => {
    const report = validateManifests([{ file: "cluster.yaml", text }]);
    expect(report.ok).toBe(true);
    expect(report.lines[0]).toBe("Node worker-1: InternalIP 10.0.0.11, podCIDR 10.244.1.0/24, zone us-east-1a");
    expect(report.lines[1]).toBe(
      "Service kube-system/kube-dns: ClusterIP 10.96.0.10, ports 53/UDP→53 53/TCP→53, selector k8s-app=kube-dns, affinity None",
    );
    expect(report.lines[2]).toBe(
      "Deployment shop/web: 3 replicas, selector app=web, RollingUpdate maxSurge 25% maxUnavailable 25%, ports 8080/TCP",
    );
    expect(report.lines[4]).toBe(
      "EndpointSlice shop/web-x7k2p: service web, IPv4, 1 endpoints (1 ready), ports http 8080/TCP",
    );
  });

  it("returns the problem lines when something is wrong", () => {
    const report = validateManifests([{ file: "c.yaml", text: text.replace("port: 80,", "port: 70000,") }]);
    expect(report).toEqual({
      ok: false,
      lines: ["c.yaml: document 4, Service shop/web: spec.ports[0].port: must be between 1 and 65535, got 70000"],
    });
  });
});

describe("KubeObjectSchema", () => {
  it("embeds in a larger zod schema with svcsim's messages and full paths", () => {
    const Scenario = z.object({ objects: z.array(KubeObjectSchema) });
    const bad = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 70000 }] } };
    const result = Scenario.safeParse({ objects: [bad, { apiVersion: "v1", kind: "Secret" }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${formatPath(i.path as (string | number)[])}: ${i.message}`)).toEqual([
      "objects[0].spec.ports[0].port: must be between 1 and 65535, got 70000",
      "objects[1].kind: kind Secret is not supported (supported: Service, EndpointSlice, Pod, Deployment, Node)",
    ]);
  });
});
