import {
  DnsLabel,
  type EndpointState,
  type NodeState,
  type PodBlockState,
  type ServiceState,
} from '@isthmus/contracts';
import { normalizeCidr, parseAddress, type IpFamily } from '@isthmus/net';
import { nextHopFor } from '../../pod-blocks/next-hop';
import {
  EXPORT_ANNOTATION,
  type KubeBlockAffinity,
  type KubeEndpointSlice,
  type KubeNode,
  type KubeService,
} from './kube-objects';

/**
 * Pure conversions from Kubernetes objects to the registry's domain states. States are built
 * with a fixed key order, sorted labels and sorted endpoints, so that the same cluster state
 * always serializes to the same text (the writer compares texts).
 */

function sortedRecord(r: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r ?? {}).sort()) out[k] = r![k]!;
  return out;
}

/** Canonical text of an address, or null for anything that is not an IP address. */
function canonicalAddress(a: string | undefined): { address: string; family: IpFamily } | null {
  if (!a) return null;
  try {
    const p = parseAddress(a);
    return { address: p.address, family: p.family };
  } catch {
    return null;
  }
}

/** Node addresses, InternalIP first, then ExternalIP, each in API order; names and duplicates dropped. */
export function nodeAddresses(node: KubeNode): string[] {
  const all = node.status?.addresses ?? [];
  const ordered = [
    ...all.filter((a) => a.type === 'InternalIP'),
    ...all.filter((a) => a.type === 'ExternalIP'),
  ];
  const out: string[] = [];
  for (const a of ordered) {
    const c = canonicalAddress(a.address);
    if (c && !out.includes(c.address)) out.push(c.address);
  }
  return out;
}

export function nodeReady(node: KubeNode): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function nodeState(cluster: string, node: KubeNode): NodeState | null {
  const name = node.metadata?.name;
  if (!name) return null;
  return {
    cluster,
    name,
    addresses: nodeAddresses(node),
    ready: nodeReady(node),
    labels: sortedRecord(node.metadata?.labels),
  };
}

/** `spec.podCIDRs` (or the older single `spec.podCIDR`) as pod blocks, for kubenet / host-local IPAM. */
export function podCidrBlocks(cluster: string, node: KubeNode): PodBlockState[] {
  const name = node.metadata?.name;
  if (!name) return [];
  const cidrs = node.spec?.podCIDRs?.length
    ? node.spec.podCIDRs
    : node.spec?.podCIDR
      ? [node.spec.podCIDR]
      : [];
  const addresses = nodeAddresses(node);
  const out: PodBlockState[] = [];
  for (const raw of cidrs) {
    let cidr;
    try {
      cidr = normalizeCidr(raw);
    } catch {
      continue; // not a prefix: nothing to route
    }
    const nextHop = nextHopFor(cidr.family, addresses);
    if (nextHop) out.push({ cluster, cidr: cidr.cidr, node: name, nextHop, source: 'node-podcidr' });
  }
  return out;
}

/** Whether Calico still holds the block for its node (state "confirmed", not being deleted). */
export function affinityActive(a: KubeBlockAffinity): boolean {
  const deleted = a.spec?.deleted;
  return (
    a.spec?.state === 'confirmed' && deleted !== true && deleted !== 'true' && !a.metadata?.deletionTimestamp
  );
}

export function blockAffinityBlock(
  cluster: string,
  affinity: KubeBlockAffinity,
  node: KubeNode | undefined,
): PodBlockState | null {
  if (!affinityActive(affinity) || !affinity.spec?.cidr || !affinity.spec.node || !node) return null;
  let cidr;
  try {
    cidr = normalizeCidr(affinity.spec.cidr);
  } catch {
    return null;
  }
  const nextHop = nextHopFor(cidr.family, nodeAddresses(node));
  if (!nextHop) return null;
  return { cluster, cidr: cidr.cidr, node: affinity.spec.node, nextHop, source: 'calico-blockaffinity' };
}

function serviceType(svc: KubeService): ServiceState['type'] {
  const t = svc.spec?.type ?? 'ClusterIP';
  if (t === 'ExternalName') return 'ExternalName';
  if (svc.spec?.clusterIP === 'None') return 'Headless';
  if (t === 'NodePort' || t === 'LoadBalancer') return t;
  return 'ClusterIP';
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
const protocol = (p: string | undefined) => (p && PROTOCOLS.has(p) ? (p as 'TCP' | 'UDP' | 'SCTP') : 'TCP');
const validPort = (p: unknown): p is number =>
  typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

/**
 * Endpoints of a service from its EndpointSlices: one per address (an address can sit in two
 * slices during a rollout; the ready one wins), FQDN slices skipped, sorted by address. A nil
 * condition follows the EndpointSlice API: ready nil means ready, serving nil means ready,
 * terminating nil means not terminating.
 */
export function endpointsOf(slices: readonly KubeEndpointSlice[]): EndpointState[] {
  const byAddress = new Map<string, EndpointState>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const ports = (slice.ports ?? [])
      .filter((p) => validPort(p.port))
      .map((p) => ({ name: p.name ?? null, protocol: protocol(p.protocol), port: p.port! }));
    for (const e of slice.endpoints ?? []) {
      const ready = e.conditions?.ready ?? true;
      const serving = e.conditions?.serving ?? ready;
      const terminating = e.conditions?.terminating ?? false;
      const hostname = e.hostname && DnsLabel.safeParse(e.hostname).success ? e.hostname : null;
      for (const raw of e.addresses ?? []) {
        const c = canonicalAddress(raw);
        if (!c) continue;
        const seen = byAddress.get(c.address);
        if (seen && (seen.ready || !ready)) continue;
        byAddress.set(c.address, {
          address: c.address,
          ports,
          node: e.nodeName ?? null,
          hostname,
          ready,
          serving,
          terminating,
        });
      }
    }
  }
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/**
 * Whether a service is exported: a ServiceExport of the same name (MCS API) exports it; else
 * the annotation isthmus.io/export ("true" or "false"); else the cluster's default.
 */
export function isExported(svc: KubeService, hasServiceExport: boolean, exportDefault: boolean): boolean {
  if (hasServiceExport) return true;
  const a = svc.metadata?.annotations?.[EXPORT_ANNOTATION];
  if (a === 'true') return true;
  if (a === 'false') return false;
  return exportDefault;
}

export function serviceState(
  cluster: string,
  svc: KubeService,
  slices: readonly KubeEndpointSlice[],
  exported: boolean,
): ServiceState | null {
  const name = svc.metadata?.name;
  const namespace = svc.metadata?.namespace;
  if (!name || !namespace) return null;
  const type = serviceType(svc);
  const ips = (
    svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []
  )
    .map((ip) => canonicalAddress(ip)?.address)
    .filter((ip): ip is string => !!ip);
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .map((i) => canonicalAddress(i.ip)?.address)
    .filter((ip): ip is string => !!ip);
  return {
    cluster,
    namespace,
    name,
    type,
    clusterIPs: type === 'Headless' || type === 'ExternalName' ? [] : ips.slice(0, 2),
    loadBalancerIPs: [...new Set(lbIPs)].slice(0, 64),
    externalName: type === 'ExternalName' ? (svc.spec?.externalName ?? null) : null,
    ports: (svc.spec?.ports ?? [])
      .filter((p) => validPort(p.port))
      .map((p) => ({
        name: p.name ?? null,
        protocol: protocol(p.protocol),
        port: p.port!,
        targetPort:
          validPort(p.targetPort) ||
          (typeof p.targetPort === 'string' && p.targetPort.length > 0 && p.targetPort.length <= 15)
            ? p.targetPort!
            : null,
        nodePort: validPort(p.nodePort) ? p.nodePort : null,
      })),
    labels: sortedRecord(svc.metadata?.labels),
    exported,
    endpoints: type === 'ExternalName' ? [] : endpointsOf(slices),
  };
}
