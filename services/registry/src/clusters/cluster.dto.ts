import { z } from 'zod';
import { PageQuery } from '@isthmus/service-kit';
import { Asn, ClusterKind, ClusterStatus, DnsLabel, Labels } from '@isthmus/contracts';

/**
 * Connection settings per kind. They may hold credentials, so they are write-only: responses
 * carry a summary without any secret (ConnectionSummary).
 */
const KubernetesConnection = z
  .strictObject({
    /** A whole kubeconfig, inline (YAML or JSON). */
    kubeconfig: z.string().min(1).max(1_000_000).optional(),
    /** A kubeconfig file readable by the registry. */
    kubeconfigPath: z.string().min(1).max(4096).optional(),
    /** Use the service account of the pod the registry runs in. */
    inCluster: z.boolean().optional(),
    context: z.string().min(1).max(253).optional(),
  })
  .refine(
    (c) =>
      [c.kubeconfig, c.kubeconfigPath, c.inCluster].filter((v) => v !== undefined && v !== false).length ===
      1,
    {
      message: 'give exactly one of kubeconfig (inline), kubeconfigPath, or inCluster: true',
    },
  );

const MarathonConnection = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL of the Marathon API' }),
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(4096).optional(),
  /** DC/OS authentication token (sent as "Authorization: token=..."). */
  token: z.string().min(1).max(16384).optional(),
  caCertificate: z.string().min(1).max(100_000).optional(),
  insecureSkipTlsVerify: z.boolean().optional(),
});

const StaticConnection = z.strictObject({});

export const ConnectionByKind = {
  kubernetes: KubernetesConnection,
  marathon: MarathonConnection,
  static: StaticConnection,
} as const;
export type ConnectionSettings = z.infer<(typeof ConnectionByKind)[keyof typeof ConnectionByKind]>;

const common = {
  id: DnsLabel,
  asn: Asn.optional(),
  labels: Labels.default({}),
  /** Whether services of this cluster are exported when they say nothing themselves. */
  exportDefault: z.boolean().default(false),
};

export const CreateClusterBody = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('kubernetes'), connection: KubernetesConnection }),
  z.strictObject({ ...common, kind: z.literal('marathon'), connection: MarathonConnection }),
  z.strictObject({ ...common, kind: z.literal('static'), connection: StaticConnection.default({}) }),
]);
export type CreateClusterBody = z.infer<typeof CreateClusterBody>;

export const PatchClusterBody = z
  .strictObject({
    asn: Asn.nullable().optional(),
    labels: Labels.optional(),
    exportDefault: z.boolean().optional(),
    /** Replaces the connection settings as a whole (checked against the cluster's kind). */
    connection: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change: give at least one field' });
export type PatchClusterBody = z.infer<typeof PatchClusterBody>;

export const ClusterListQuery = PageQuery.extend({
  kind: ClusterKind.optional(),
  status: ClusterStatus.optional(),
});

export interface ConnectionSummary {
  /** kubernetes: where the kubeconfig comes from; marathon: the API URL. Never a credential. */
  source?: 'inline' | 'path' | 'in-cluster';
  kubeconfigPath?: string;
  context?: string;
  url?: string;
  authentication?: 'none' | 'basic' | 'token';
  insecureSkipTlsVerify?: boolean;
}

export function summarizeConnection(kind: string, connection: Record<string, unknown>): ConnectionSummary {
  if (kind === 'kubernetes') {
    const c = connection as z.infer<typeof KubernetesConnection>;
    return {
      source: c.kubeconfig ? 'inline' : c.kubeconfigPath ? 'path' : 'in-cluster',
      ...(c.kubeconfigPath ? { kubeconfigPath: c.kubeconfigPath } : {}),
      ...(c.context ? { context: c.context } : {}),
    };
  }
  if (kind === 'marathon') {
    const c = connection as z.infer<typeof MarathonConnection>;
    return {
      url: c.url,
      authentication: c.token ? 'token' : c.username ? 'basic' : 'none',
      insecureSkipTlsVerify: c.insecureSkipTlsVerify ?? false,
    };
  }
  return {};
}
