/**
 * The parts of Kubernetes objects the source reads, as the API serves them (JSON). Only what
 * we use is typed; everything is optional because the API omits empty fields.
 */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

export interface KubeNode {
  metadata?: ObjectMeta;
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: {
    addresses?: { type?: string; address?: string }[];
    conditions?: { type?: string; status?: string }[];
  };
}

/** crd.projectcalico.org/v1 BlockAffinity: a Calico IPAM block (a /26 by default) bound to a node. */
export interface KubeBlockAffinity {
  metadata?: ObjectMeta;
  spec?: { cidr?: string; node?: string; state?: string; deleted?: string | boolean };
}

export interface KubeServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface KubeService {
  metadata?: ObjectMeta;
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    ports?: KubeServicePort[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface KubeEndpointSlice {
  metadata?: ObjectMeta;
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    hostname?: string;
    nodeName?: string;
  }[];
  ports?: { name?: string; protocol?: string; port?: number }[];
}

/** multicluster.x-k8s.io/v1alpha1 ServiceExport (MCS API): its presence exports the service of the same name. */
export interface KubeServiceExport {
  metadata?: ObjectMeta;
}

/** The label that ties an EndpointSlice to its Service (discovery.k8s.io/v1). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Our annotation on a Service: "true" exports it, "false" keeps it private whatever the cluster default. */
export const EXPORT_ANNOTATION = 'isthmus.io/export';
