// Server-side printing: kubectl's human-readable output asks for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints the rows the server sends
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
// The fake gives every type the columns a CRD without additionalPrinterColumns gets: Name and Age.
import type { KubeObject } from './types';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The Table API version the Accept header asks for, if it asks for a Table at all. */
export function tableVersionFromAccept(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (!params.includes('as=Table') || !params.includes('g=meta.k8s.io')) continue;
    if (params.includes('v=v1')) return 'v1';
    if (params.includes('v=v1beta1')) return 'v1beta1';
  }
  return undefined;
}

/** Go's duration.HumanDuration, which the API server uses for the Age column. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

const COLUMNS = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
  },
  {
    name: 'Age',
    type: 'string',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    priority: 0,
  },
];

export function toTable(
  version: 'v1' | 'v1beta1',
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  includeObject: IncludeObject,
): Record<string, unknown> {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: COLUMNS,
    rows: objects.map((obj) => {
      const created = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : now;
      const row: Record<string, unknown> = { cells: [obj.metadata.name, humanDuration(now - created)] };
      if (includeObject === 'Object') row.object = obj;
      else if (includeObject === 'Metadata')
        row.object = {
          kind: 'PartialObjectMetadata',
          apiVersion: `meta.k8s.io/${version}`,
          metadata: obj.metadata,
        };
      return row;
    }),
  };
}
