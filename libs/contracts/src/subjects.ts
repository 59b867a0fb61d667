/**
 * NATS subjects of the registry's events. One subject per entity, so a stream that keeps the
 * last message per subject is a compacted copy of the registry (DESIGN.md, "Data flow").
 *
 * NATS tokens are separated by "." and may not contain whitespace, "*" or ">" (wildcards), so
 * every name from the outside world is encoded into one token: node names such as
 * "ip-10-0-0-1.ec2.internal" keep their meaning and stay one token.
 */
export const DEFAULT_SUBJECT_ROOT = 'isthmus';
export const DEFAULT_REGISTRY_STREAM = 'ISTHMUS_REGISTRY';

/** Characters that cannot stand in a token, plus "%" itself (the escape character). */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TOKEN = /[.*>%\s\u0000-\u001f\u007f]/gu;

/** Encodes any string into one NATS subject token, reversibly ("." → "%2E", " " → "%20" …). */
export function encodeToken(value: string): string {
  if (value === '') return '%00';
  return value.replace(UNSAFE_IN_TOKEN, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

export function decodeToken(token: string): string {
  if (token === '%00') return '';
  return decodeURIComponent(token);
}

/**
 * A prefix as one token, readable in `nats sub` output: "192.168.0.0/26" → "192-168-0-0_26",
 * "2001:db8::/64" → "2001:db8::_64". Canonical prefixes contain neither "-" nor "_", so this is
 * unambiguous; ":" and "/" are legal in tokens but "/" is avoided for tools that split on it.
 */
export function cidrToken(cidr: string): string {
  return cidr.replace(/\./g, '-').replace('/', '_');
}

export function cidrFromToken(token: string): string {
  const [addr, len] = token.split('_');
  return `${addr!.includes(':') ? addr : addr!.replace(/-/g, '.')}/${len}`;
}

/**
 * The registry's subjects under a root token (default "isthmus"). The root is configurable so
 * that several installations, or several test runs, can share one NATS account: JetStream
 * refuses two streams whose subjects overlap.
 */
export function registrySubjects(root: string = DEFAULT_SUBJECT_ROOT) {
  const prefix = `${root}.registry`;
  return {
    cluster: (cluster: string) => `${prefix}.cluster.${encodeToken(cluster)}`,
    node: (cluster: string, node: string) => `${prefix}.node.${encodeToken(cluster)}.${encodeToken(node)}`,
    block: (cluster: string, cidr: string) => `${prefix}.block.${encodeToken(cluster)}.${cidrToken(cidr)}`,
    service: (cluster: string, namespace: string, name: string) =>
      `${prefix}.service.${encodeToken(cluster)}.${encodeToken(namespace)}.${encodeToken(name)}`,
    /** Wildcards for consumers: every entity of a kind, optionally of one cluster. */
    all: {
      registry: `${prefix}.>`,
      clusters: `${prefix}.cluster.*`,
      nodes: (cluster?: string) => `${prefix}.node.${cluster ? encodeToken(cluster) : '*'}.*`,
      blocks: (cluster?: string) => `${prefix}.block.${cluster ? encodeToken(cluster) : '*'}.*`,
      services: (cluster?: string) => `${prefix}.service.${cluster ? encodeToken(cluster) : '*'}.*.*`,
    },
  } as const;
}

export type RegistrySubjects = ReturnType<typeof registrySubjects>;
export const subjects = registrySubjects();
