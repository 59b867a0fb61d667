// Child process of bench/kube-source.mjs: a fake Kubernetes API server (libs/fake-kube) in a
// process of its own, as a real API server would be, driven over IPC.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { FakeKubeApi } = require('../../libs/fake-kube/dist/index.js');
const now = () => performance.timeOrigin + performance.now();

const api = await FakeKubeApi.start({ requestLogSize: 0 });
const slice = (ns, name, seq, endpoints) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${name}-0`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  endpoints: Array.from({ length: endpoints }, (_, e) => ({
    addresses: [`10.${(seq >> 8) & 255}.${seq & 255}.${e + 1}`],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: `node-${seq % 1000}`,
    ...(e === 0 ? { hostname: `s${seq}` } : {}),
  })),
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
});

process.on('message', async (m) => {
  if (m.op === 'seed') {
    for (let n = 0; n < m.nodes; n++) {
      api.apply({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `node-${n}` },
        spec: { podCIDRs: [`10.${128 + (n >> 8)}.${n & 255}.0/24`] },
        status: {
          addresses: [{ type: 'InternalIP', address: `172.${16 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}` }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      });
    }
    for (let s = 0; s < m.services; s++) {
      const ns = `ns-${s % 100}`;
      api.apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `svc-${s}`, namespace: ns, annotations: { 'isthmus.io/export': 'true' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: `172.20.${s >> 8}.${s & 255}`,
          ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
        },
      });
      api.apply(slice(ns, `svc-${s}`, s, m.endpoints));
    }
    process.send({ op: 'seeded', kubeconfig: api.kubeconfig() });
  } else if (m.op === 'churn') {
    // m.rate changes per second for m.seconds: each rewrites one service's slice with a new
    // hostname s<seq> on its first endpoint, so every change is a distinct service state.
    const sent = [];
    const perTick = m.rate / 100;
    let seq = 1_000_000;
    const total = m.rate * m.seconds;
    const start = now();
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((now() - start) / 1000) * m.rate) + perTick);
        while (sent.length < due) {
          const s = sent.length % m.services;
          const t0 = now();
          api.apply(slice(`ns-${s % 100}`, `svc-${s}`, seq, m.endpoints));
          sent.push([seq++, t0]);
        }
        if (sent.length >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    process.send({ op: 'churned', sent, seconds: (now() - start) / 1000 });
  } else if (m.op === 'stop') {
    await api.stop();
    process.exit(0);
  }
});
process.send({ op: 'ready' });
