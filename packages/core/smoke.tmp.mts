import { validateManifests } from "./src/api/index.ts";
const t = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: prod}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  sessionAffinity: ClientIP
  selector: {app: lb}
  ports: [{name: http, port: 80, targetPort: http}, {name: dns, port: 53, protocol: UDP}, {name: dnst, port: 53, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: kube-system}
spec: {clusterIP: 10.96.0.10, ports: [{port: 53, protocol: UDP}], selector: {k8s-app: kube-dns}}
---
apiVersion: v1
kind: Service
metadata: {name: h}
spec: {clusterIP: None, selector: {a: b}}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: db.example.com.}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
  conditions: {ready: true}
  nodeName: n1
- addresses: [10.244.2.5]
  conditions: {ready: false}
ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {httpGet: {port: http, path: /healthz}}
        lifecycle: {preStop: {sleep: {seconds: 5}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: web, ports: [{containerPort: 8080}]}]
status: {podIP: 10.244.1.5, phase: Running}
`;
console.log(validateManifests([{ file: "web.yaml", text: t }]));
