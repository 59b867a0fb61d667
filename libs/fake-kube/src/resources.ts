// The resource types the fake serves: a fixed set of built-ins, plus whatever installed
// CustomResourceDefinitions define. A type is identified by group + plural resource name, as
// in the API server's REST mapping (https://kubernetes.io/docs/reference/using-api/api-concepts/#standard-api-terminology).
import type { KubeObject } from './types';

export interface ResourceType {
  /** '' for the core (legacy) group, served under /api. */
  group: string;
  /** Versions served, preferred first. */
  versions: string[];
  /** Plural, lower case: the path segment ('endpointslices'). */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /**
   * Whether objects carry metadata.generation. Of the built-ins here only EndpointSlice and
   * CustomResourceDefinition set it (core v1 nodes, namespaces, services and pods of 1.30 do not);
   * custom resources always do.
   */
  generation: boolean;
  /** Set for types that come from a CustomResourceDefinition (its metadata.name). */
  crdName?: string;
}

/** The key under which the store keeps a type's objects. */
export function typeKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function builtin(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
  categories: string[] = [],
): ResourceType {
  return {
    group,
    versions: [version],
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames,
    categories,
    generation: group !== '',
  };
}

export const CRD_GROUP = 'apiextensions.k8s.io';

/** Scopes as in the real API (nodes and namespaces cluster-scoped, the rest namespaced). */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', false, ['ns']),
  builtin('', 'v1', 'nodes', 'Node', false, ['no']),
  builtin('', 'v1', 'pods', 'Pod', true, ['po'], ['all']),
  builtin('', 'v1', 'services', 'Service', true, ['svc'], ['all']),
  builtin('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  builtin(
    CRD_GROUP,
    'v1',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
    ['crd', 'crds'],
    ['api-extensions'],
  ),
];

/**
 * Kube-aware version order, as the API server sorts a group's versions to pick the preferred
 * one: GA before beta before alpha, higher numbers first, then anything else alphabetically
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#version-priority).
 */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) {
    if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

interface CrdSpec {
  group?: unknown;
  scope?: unknown;
  names?: {
    plural?: unknown;
    singular?: unknown;
    kind?: unknown;
    listKind?: unknown;
    shortNames?: unknown;
    categories?: unknown;
  };
  versions?: Array<{ name?: unknown; served?: unknown; storage?: unknown }>;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The resource type an apiextensions.k8s.io/v1 CustomResourceDefinition defines. Checks what the
 * API server's CRD validation would refuse and the fake relies on (name = <plural>.<group>,
 * scope, at least one served version and exactly one storage version); schemas are not used.
 */
export function typeFromCrd(crd: KubeObject): ResourceType {
  const fail = (why: string): never => {
    throw new Error(`invalid CustomResourceDefinition ${JSON.stringify(crd.metadata?.name)}: ${why}`);
  };
  if (crd.apiVersion !== `${CRD_GROUP}/v1` || crd.kind !== 'CustomResourceDefinition')
    fail(`expected apiVersion ${CRD_GROUP}/v1 and kind CustomResourceDefinition`);
  const spec = (crd.spec ?? {}) as CrdSpec;
  const group =
    typeof spec.group === 'string' && spec.group.includes('.')
      ? spec.group
      : fail('spec.group must be a DNS subdomain with a dot');
  const plural =
    typeof spec.names?.plural === 'string' && spec.names.plural
      ? spec.names.plural
      : fail('spec.names.plural is required');
  const kind =
    typeof spec.names?.kind === 'string' && spec.names.kind
      ? spec.names.kind
      : fail('spec.names.kind is required');
  if (crd.metadata.name !== `${plural}.${group}`)
    fail(`metadata.name must be spec.names.plural + "." + spec.group (${plural}.${group})`);
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    fail('spec.scope must be Namespaced or Cluster');
  if (BUILTIN_TYPES.some((t) => t.group === group)) fail(`group ${group} is a built-in group`);
  const versions = spec.versions ?? [];
  if (versions.filter((v) => v.storage === true).length !== 1)
    fail('exactly one version must have storage: true');
  const served = versions
    .filter((v) => v.served === true && typeof v.name === 'string')
    .map((v) => v.name as string);
  if (served.length === 0) fail('at least one version must be served');
  return {
    group,
    versions: served.sort(compareVersions),
    resource: plural,
    singular:
      typeof spec.names?.singular === 'string' && spec.names.singular
        ? spec.names.singular
        : kind.toLowerCase(),
    kind,
    listKind:
      typeof spec.names?.listKind === 'string' && spec.names.listKind ? spec.names.listKind : `${kind}List`,
    namespaced: spec.scope === 'Namespaced',
    shortNames: stringList(spec.names?.shortNames),
    categories: stringList(spec.names?.categories),
    generation: true,
    crdName: crd.metadata.name,
  };
}
