// Errors as the API server returns them: a meta/v1 Status object whose `code` is the HTTP status
// and whose `reason` is a machine-readable StatusReason
// (https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#response-status-kind).

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export function status(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** Reason the API server uses for each code it answers with here. */
export function reasonFor(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : 'Unknown';
  }
}

/** The generic 404 for a path that names no resource (unknown group, version or resource). */
export function resourceNotFound(): Status {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** The 404 for an object that does not exist, e.g. `nodes "n1" not found`. */
export function objectNotFound(group: string, resource: string, name: string): Status {
  const qualified = group ? `${resource}.${group}` : resource;
  return status(404, 'NotFound', `${qualified} "${name}" not found`, { name, group, kind: resource });
}

/** The 410 of a resourceVersion that history no longer holds (etcd compacted it). */
export function tooOld(requested: number, oldest: number): Status {
  return status(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}
