/** What `kubeDnsObjects` builds. */
export interface KubeDnsObjectsOptions {
  /** CoreDNS replicas (kubeadm: 2). */
  replicas?: number;
  /** The kube-dns ClusterIP (kubeadm: the 10th address of the service CIDR, 10.96.0.10 for 10.96.0.0/12). */
  clusterIP?: string;
  /** The Pods' terminationGracePeriodSeconds (default 30, the API default). */
  terminationGracePeriodSeconds?: number;
}

/**
 * The kube-dns Service and the CoreDNS Deployment as kubeadm installs them,
 * as plain manifest values for a scenario's `objects`: the Service on UDP and
 * TCP 53 (and 9153 for metrics) selecting `k8s-app: kube-dns` in
 * kube-system, and the Deployment of that label with a rolling update of
 * maxUnavailable 1. The readiness probe (`/ready` on 8181) is left out: the
 * simulated CoreDNS answers no HTTP, so its Pods are Ready once running.
 */
// why: kubernetes/kubernetes cmd/kubeadm/app/phases/addons/dns/manifests.go — CoreDNSService,
// CoreDNSDeployment (replicas from the config, default 2; strategy rollingUpdate maxUnavailable 1).
export function kubeDnsObjects(options: KubeDnsObjectsOptions = {}): object[] {
  const labels = { "k8s-app": "kube-dns" };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system", labels },
    spec: {
      clusterIP: options.clusterIP ?? "10.96.0.10",
      selector: labels,
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
      ],
    },
  };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "coredns", namespace: "kube-system", labels },
    spec: {
      replicas: options.replicas ?? 2,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          ...(options.terminationGracePeriodSeconds !== undefined
            ? { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }
            : {}),
          containers: [
            {
              name: "coredns",
              ports: [
                { name: "dns", containerPort: 53, protocol: "UDP" },
                { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                { name: "metrics", containerPort: 9153, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    },
  };
  return [service, deployment];
}
