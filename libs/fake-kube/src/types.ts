// Public types of the fake API server. Objects are plain JSON, shaped as the real API returns
// them (https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds).

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  /** Opaque string in the API; here the decimal value of the server's global counter. */
  resourceVersion?: string;
  creationTimestamp?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** An object of any kind: apiVersion + kind + metadata, and whatever else (spec, status, endpoints...). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object. `namespace` is required for namespaced kinds, and must be absent otherwise. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: Record<string, unknown>;
}

/** The verbs of a resource request, as the API server's request info names them. */
export type Verb = 'get' | 'list' | 'watch';

/** What a fault applies to. Every given field must match; an empty match matches every request. */
export interface FaultMatch {
  /** Plural resource name, e.g. 'endpointslices'. Discovery and /version requests have none. */
  resource?: string;
  verb?: RequestRecord['verb'];
  namespace?: string;
  /** Matched against the URL path (without the query): a substring, or a regular expression. */
  path?: string | RegExp;
}

/**
 * - `status500`: a 500 `Status` (reason InternalError), before any body.
 * - `{ status, reason? }`: the same with another code (429, 503, 401, 410...).
 * - `malformedJson`: lists and gets answer 200 with a truncated JSON body; a watch answers 200 and
 *   the first event it carries is truncated (the line is not valid JSON), the stream goes on.
 * - `dropConnection`: lists and gets lose their connection before any response; a watch answers
 *   200, sends what it has to send at once (events after its resourceVersion), then its
 *   connection is closed without the chunked terminator.
 * - `{ delayMs }`: the request is served normally after this delay.
 */
export type Fault =
  | 'status500'
  | 'malformedJson'
  | 'dropConnection'
  | { status: number; reason?: string }
  | { delayMs: number };

export interface FaultSpec {
  match: FaultMatch;
  fault: Fault;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface InjectedFault {
  readonly spec: FaultSpec;
  /** Matching requests that have not had the fault yet. */
  readonly remaining: number;
  /** Removes the fault before it is used up. */
  cancel(): void;
}

export interface RequestRecord {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** 'get' | 'list' | 'watch' for resource requests; 'discovery', 'version', 'health' or 'other' otherwise. */
  verb: Verb | 'discovery' | 'version' | 'health' | 'other';
  resource?: string;
  namespace?: string;
  /** HTTP status of the response (a watch that started is 200, whatever it carried afterwards); 0 for a dropped connection or a request still delayed. */
  status: number;
  accept?: string;
  userAgent?: string;
  /** The fault applied to this request, if any. */
  fault?: string;
}

export interface FakeKubeStats {
  /** Requests served, keyed by `${verb} ${resource}` for resources ('list nodes', 'watch endpointslices') and by verb otherwise ('discovery', 'version'). */
  requests: Record<string, number>;
  /** Watches open now, by resource. */
  openWatches: Record<string, number>;
  /** Sum of openWatches. */
  openWatchCount: number;
  /** Faults applied so far. */
  faultsApplied: number;
  /** The global resourceVersion now. */
  resourceVersion: string;
  /** Watches and continue tokens older than this get 410 Gone ('0' when nothing was compacted). */
  compactedResourceVersion: string;
}

export interface FakeKubeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Serve HTTPS with this key and certificate (PEM) instead of plain HTTP: for clients that will
   * not speak HTTP, like client-node's in-cluster configuration.
   */
  tls?: { key: string; cert: string };
  /** Default 0 (a free port, kept across stop()/start()). */
  port?: number;
  /** The bearer token kubeconfig() carries; a request with another token gets 401. Default 'fake-kube-token'. */
  token?: string;
  /**
   * Whether requests without a token are served (as system:anonymous). Default true: kubectl
   * (client-go) never sends credentials to an http:// server. false makes them 401.
   */
  anonymous?: boolean;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /**
   * Server-side limit for watches that do not send timeoutSeconds. The real API server picks a
   * random value between --min-request-timeout (1800 s) and twice that; default here: none (the
   * watch stays open until the client or stop() closes it).
   */
  defaultWatchTimeoutSeconds?: number;
  /** What GET /version reports. Default 1.30.0. */
  version?: { major: string; minor: string; gitVersion?: string };
  /** Requests kept by requestLog() (oldest dropped first). Default 1000. */
  requestLogSize?: number;
}

/** How stop() and closeWatches() end open watches. */
export type WatchClose =
  /** The connection is closed without the chunked terminator: clients see a broken stream. */
  | 'cut'
  /** The stream ends cleanly, as at the end of timeoutSeconds. */
  | 'end'
  /** An ERROR event with a 410 Expired Status, then a clean end, as when etcd compacted past the watch. */
  | 'expire';
