import { z } from 'zod';
import { NetParseError, parseAddress, parseCidr } from '@isthmus/net';

/**
 * The shared vocabulary of Isthmus (DESIGN.md, "The domain"). These schemas validate what
 * crosses a boundary: REST bodies of the registry, and every event payload on NATS.
 */

/** RFC 1123 DNS label: the cluster id appears in DNS names (`<svc>.<ns>.svc.<cluster>.isthmus.local`). */
export const DnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message:
      'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit',
  });

/** Names of nodes, namespaces, services: anything printable, bounded. Encoded in subjects. */
export const ObjectName = z
  .string()
  .min(1)
  .max(253)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, { message: 'must not contain control characters' });

function netCheck<T>(parse: (v: string) => T) {
  return (value: string, ctx: z.RefinementCtx) => {
    try {
      parse(value);
    } catch (e) {
      if (!(e instanceof NetParseError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
    }
  };
}

/** An IPv4 or IPv6 address in canonical text (RFC 5952 for IPv6). */
export const IpAddressText = z.string().superRefine(
  netCheck((v) => {
    const a = parseAddress(v);
    if (a.address !== v) throw new NetParseError(`"${v}" is not in canonical form; write "${a.address}"`, v);
  }),
);
/** A prefix in canonical text with no host bits set. */
export const CidrText = z.string().superRefine(netCheck(parseCidr));

export const ClusterKind = z.enum(['kubernetes', 'marathon', 'static']);
export type ClusterKind = z.infer<typeof ClusterKind>;

/**
 * connecting: registered, no complete list yet; synced: watch current; degraded: the watch is
 * failing, what we had is kept; lost: failing longer than the lease, consumers stop using it.
 */
export const ClusterStatus = z.enum(['connecting', 'synced', 'degraded', 'lost']);
export type ClusterStatus = z.infer<typeof ClusterStatus>;

export const Labels = z.record(z.string().min(1).max(317), z.string().max(4096));
export type Labels = z.infer<typeof Labels>;

/** 4-octet AS number (RFC 6793). */
export const Asn = z.number().int().min(1).max(4294967295);

/** A cluster as every consumer sees it. Its connection settings never leave the registry. */
export const ClusterState = z.strictObject({
  id: DnsLabel,
  kind: ClusterKind,
  status: ClusterStatus,
  statusReason: z.string().nullable(),
  lastSyncAt: z.iso.datetime().nullable(),
  asn: Asn.nullable(),
  labels: Labels,
  exportDefault: z.boolean(),
});
export type ClusterState = z.infer<typeof ClusterState>;

export const NodeState = z.strictObject({
  cluster: DnsLabel,
  name: ObjectName,
  /** Preferred address first (Kubernetes: InternalIP first). */
  addresses: z.array(IpAddressText).max(64),
  ready: z.boolean(),
  labels: Labels,
});
export type NodeState = z.infer<typeof NodeState>;

export const PodBlockSource = z.enum(['node-podcidr', 'calico-blockaffinity', 'dcos-overlay', 'static']);
export type PodBlockSource = z.infer<typeof PodBlockSource>;

/** A CIDR used for pods on one node; routed with NEXT_HOP = that node's address. */
export const PodBlockState = z.strictObject({
  cluster: DnsLabel,
  cidr: CidrText,
  node: ObjectName,
  nextHop: IpAddressText,
  source: PodBlockSource,
});
export type PodBlockState = z.infer<typeof PodBlockState>;

export const ServiceType = z.enum([
  'ClusterIP',
  'NodePort',
  'LoadBalancer',
  'Headless',
  'ExternalName',
  'MarathonApp',
]);
export type ServiceType = z.infer<typeof ServiceType>;

export const Protocol = z.enum(['TCP', 'UDP', 'SCTP']);
const PortNumber = z.number().int().min(1).max(65535);

export const ServicePort = z.strictObject({
  name: z.string().max(63).nullable(),
  protocol: Protocol,
  port: PortNumber,
  /** A number, or a named container port (Kubernetes IntOrString). */
  targetPort: z.union([PortNumber, z.string().min(1).max(15)]).nullable(),
  nodePort: PortNumber.nullable(),
});
export type ServicePort = z.infer<typeof ServicePort>;

export const EndpointPort = z.strictObject({
  name: z.string().max(63).nullable(),
  protocol: Protocol,
  port: PortNumber,
});

/** One address behind a service, with the EndpointSlice conditions (discovery.k8s.io/v1). */
export const EndpointState = z.strictObject({
  address: IpAddressText,
  ports: z.array(EndpointPort).max(100),
  node: ObjectName.nullable(),
  hostname: DnsLabel.nullable(),
  ready: z.boolean(),
  serving: z.boolean(),
  terminating: z.boolean(),
});
export type EndpointState = z.infer<typeof EndpointState>;

/** A service with its endpoints: the unit of change on the bus ("the endpoints travel inside it"). */
export const ServiceState = z.strictObject({
  cluster: DnsLabel,
  /** Kubernetes namespace, or the Marathon app's group path. */
  namespace: ObjectName,
  name: ObjectName,
  type: ServiceType,
  clusterIPs: z.array(IpAddressText).max(2),
  loadBalancerIPs: z.array(IpAddressText).max(64),
  externalName: z.string().max(253).nullable(),
  ports: z.array(ServicePort).max(256),
  labels: Labels,
  exported: z.boolean(),
  endpoints: z.array(EndpointState).max(10000),
});
export type ServiceState = z.infer<typeof ServiceState>;
