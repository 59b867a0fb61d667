// FakeKubeApi: a Kubernetes API server for tests, minus etcd. It serves the real list/watch
// protocol over plain HTTP (https://kubernetes.io/docs/reference/using-api/api-concepts/), so that
// real clients (@kubernetes/client-node informers, kubectl) run against it unchanged, and it lets
// a test change objects, compact history, restart the server and inject faults.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiVersionOf, compareVersions, typeKey, type ResourceType } from './resources';
import { parseFieldSelector, parseLabelSelector, SelectorError, type Selector } from './selectors';
import { objectNotFound, reasonFor, resourceNotFound, status, tooOld, type Status } from './status';
import { KubeError, Store, type Change } from './store';
import { tableVersionFromAccept, toTable, type IncludeObject } from './table';
import type {
  FakeKubeOptions,
  FakeKubeStats,
  Fault,
  FaultMatch,
  FaultSpec,
  InjectedFault,
  KubeObject,
  ObjectRef,
  RequestRecord,
  Verb,
  WatchClose,
} from './types';

const DEFAULT_TOKEN = 'fake-kube-token';

interface RequestInfo {
  verb: RequestRecord['verb'];
  type?: ResourceType;
  /** Path segment of the resource, also when no such type is served. */
  resource?: string;
  group?: string;
  version?: string;
  namespace?: string;
  name?: string;
  /** The path names a resource segment that is not served (or a path that does not exist). */
  notFound?: boolean;
}

interface Watcher {
  type: ResourceType;
  key: string;
  version: string;
  namespace?: string;
  labels: Selector;
  fields: Selector;
  table?: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  res: ServerResponse;
  /** malformedJson fault: the next event line is sent truncated. */
  corruptNext: boolean;
  timers: NodeJS.Timeout[];
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function faultName(fault: Fault): string {
  if (typeof fault === 'string') return fault;
  return 'delayMs' in fault ? `delay ${fault.delayMs}ms` : `status ${fault.status}`;
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

// --- temporary files (kubeconfig) ----------------------------------------------------------
// Directories carry the pid of their process. vitest ends fork workers with SIGTERM, which runs
// no 'exit' handler, so each process also removes the directories of processes that are gone.
const TMP_PREFIX = 'isthmus-fake-kube-';
let tmpReaped = false;
const tmpDirs = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function makeTempDir(): string {
  if (!tmpReaped) {
    tmpReaped = true;
    // One handler for every directory ('exit' handlers must be synchronous).
    process.once('exit', () => {
      for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
    });
    for (const entry of readdirSync(tmpdir())) {
      const owner = new RegExp(`^${TMP_PREFIX}(\\d+)-`).exec(entry)?.[1];
      if (owner && Number(owner) !== process.pid && !processAlive(Number(owner)))
        rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `${TMP_PREFIX}${process.pid}-`));
  tmpDirs.add(dir);
  return dir;
}

export class FakeKubeApi {
  private readonly store = new Store();
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private faults: ActiveFault[] = [];
  private readonly counts = new Map<string, number>();
  private faultsApplied = 0;
  private log: RequestRecord[] = [];
  private server: Server | undefined;
  private tmpDir: string | undefined;
  private readonly host: string;
  private portNumber: number;
  private readonly token: string;
  private readonly anonymous: boolean;
  private readonly bookmarkIntervalMs: number;
  private readonly defaultWatchTimeoutSeconds: number | undefined;
  private readonly versionInfo: { major: string; minor: string; gitVersion: string };
  private readonly logSize: number;
  private readonly tls: FakeKubeOptions['tls'];

  private constructor(options: FakeKubeOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.portNumber = options.port ?? 0;
    this.token = options.token ?? DEFAULT_TOKEN;
    this.anonymous = options.anonymous ?? true;
    this.tls = options.tls;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
    this.defaultWatchTimeoutSeconds = options.defaultWatchTimeoutSeconds;
    const v = options.version ?? { major: '1', minor: '30' };
    this.versionInfo = {
      major: v.major,
      minor: v.minor,
      gitVersion: v.gitVersion ?? `v${v.major}.${v.minor}.0`,
    };
    this.logSize = options.requestLogSize ?? 1000;
    this.store.listen({
      change: (change) => this.fanOut(change),
      typeRemoved: (type) => {
        for (const w of [...this.watchers]) if (w.type === type) void this.endWatch(w, 'end');
      },
    });
  }

  /** Creates a server and starts listening (default 127.0.0.1, a free port). */
  static async start(options: FakeKubeOptions = {}): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(options);
    await api.start();
    return api;
  }

  get port(): number {
    return this.portNumber;
  }

  /** http(s)://host:port, without a trailing slash. */
  get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.portNumber}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  // --- lifecycle -----------------------------------------------------------------------------

  /** Starts listening again after stop(), on the same port, with every object and resourceVersion kept. */
  async start(): Promise<void> {
    if (this.server) return;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const server: Server = this.tls ? createTlsServer(this.tls, handler) : createServer(handler);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.portNumber = address.port;
    this.server = server;
  }

  /**
   * Stops listening and drops every connection; objects, history and resourceVersions are kept
   * (as etcd keeps them when an API server goes away). Open watches are cut by default (clients
   * see a broken stream); `{ watches: 'end' }` ends them cleanly first, as an API server that
   * shuts down gracefully does. Either way reconnecting clients find the port closed.
   */
  async stop(options: { watches?: WatchClose } = {}): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.watchers].map((w) => this.endWatch(w, options.watches ?? 'cut')));
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async restart(options: { watches?: WatchClose } = {}): Promise<void> {
    await this.stop(options);
    await this.start();
  }

  // --- client configuration ------------------------------------------------------------------

  /**
   * A kubeconfig (YAML) for this server: plain HTTP with `insecure-skip-tls-verify: true`
   * (client-node refuses an http:// server without it) and the bearer token.
   */
  kubeconfig(): string {
    const q = JSON.stringify;
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: fake-kube',
      '    cluster:',
      `      server: ${q(this.url)}`,
      '      insecure-skip-tls-verify: true',
      'users:',
      '  - name: fake-kube',
      '    user:',
      `      token: ${q(this.token)}`,
      'contexts:',
      '  - name: fake-kube',
      '    context:',
      '      cluster: fake-kube',
      '      user: fake-kube',
      '      namespace: default',
      'current-context: fake-kube',
      '',
    ].join('\n');
  }

  /** kubeconfig() written to a file in a temporary directory of this server (removed at process exit). */
  kubeconfigFile(): string {
    const file = join(this.tempDir(), 'kubeconfig.yaml');
    writeFileSync(file, this.kubeconfig(), { mode: 0o600 });
    return file;
  }

  /** A directory that lives as long as the process (kubeconfigFile() is in it; kubectl's --cache-dir can be too). */
  tempDir(): string {
    if (!this.tmpDir) this.tmpDir = makeTempDir();
    mkdirSync(this.tmpDir, { recursive: true });
    return this.tmpDir;
  }

  // --- objects -------------------------------------------------------------------------------

  /**
   * Creates or replaces an object and returns it as stored. The server sets uid,
   * creationTimestamp, generation and a new resourceVersion, and watchers get ADDED or MODIFIED.
   * A replace that changes nothing is a no-op (same resourceVersion, no event), as in the real
   * API. Namespaced kinds without a namespace go to "default". A CustomResourceDefinition is
   * installed (see installCrd).
   */
  apply(obj: KubeObject): KubeObject {
    return this.store.apply(obj);
  }

  /** Read-modify-write: `fn` gets a copy to change (or returns a new object). Throws 404 if absent. */
  patch(ref: ObjectRef, fn: (obj: KubeObject) => KubeObject | void): KubeObject {
    const current = this.store.get(ref);
    if (!current)
      throw new KubeError(
        404,
        `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} not found`,
      );
    return this.store.apply(fn(current) ?? current);
  }

  /** Deletes an object; watchers get DELETED with its last state. Returns that state, or undefined if there was no such object. */
  delete(ref: ObjectRef): KubeObject | undefined {
    return this.store.delete(ref);
  }

  get(ref: ObjectRef): KubeObject | undefined {
    return this.store.get(ref);
  }

  /** Objects of a kind (in one namespace, or all), sorted by namespace and name, with apiVersion and kind set. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const type = this.store.typeOfKind(apiVersion, kind);
    return this.store.list(type, namespace).map((o) => ({ ...o, apiVersion, kind }));
  }

  /**
   * Installs an apiextensions.k8s.io/v1 CustomResourceDefinition: its group, versions and
   * resource appear in discovery and serve get/list/watch. Object schemas are not validated.
   */
  installCrd(crd: KubeObject): KubeObject {
    return this.store.installCrd(crd);
  }

  /** Removes a CRD by name (<plural>.<group>): its objects are deleted, its watches end, its paths become 404. */
  removeCrd(name: string): KubeObject | undefined {
    return this.store.removeCrd(name);
  }

  /** The global resourceVersion now. */
  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /**
   * Forgets history, as etcd compaction does: afterwards a watch from an older resourceVersion
   * gets an ERROR event with a 410 Expired Status, and a list at an older resourceVersion or
   * continue token gets HTTP 410. Open watches go on (the real watch cache keeps serving them);
   * closeWatches('expire') makes them fail as a watch that fell behind compaction does.
   */
  compact(): void {
    this.store.compact();
  }

  /** Ends the open watches that match (all by default) in one of the ways of WatchClose; returns how many. */
  closeWatches(how: WatchClose, match: { resource?: string; namespace?: string } = {}): number {
    let n = 0;
    for (const w of [...this.watchers]) {
      if (match.resource !== undefined && w.type.resource !== match.resource) continue;
      if (match.namespace !== undefined && w.namespace !== match.namespace) continue;
      void this.endWatch(w, how);
      n++;
    }
    return n;
  }

  // --- faults and observation ---------------------------------------------------------------

  /** The next `times` (default 1) requests that match get the fault; see Fault for what each does. */
  inject(spec: FaultSpec): InjectedFault {
    const active: ActiveFault = { spec, remaining: spec.times ?? 1 };
    this.faults.push(active);
    return {
      spec,
      get remaining() {
        return active.remaining;
      },
      cancel: () => {
        active.remaining = 0;
        this.faults = this.faults.filter((f) => f !== active);
      },
    };
  }

  clearFaults(): void {
    for (const f of this.faults) f.remaining = 0;
    this.faults = [];
  }

  stats(): FakeKubeStats {
    const openWatches: Record<string, number> = {};
    for (const w of this.watchers) openWatches[w.type.resource] = (openWatches[w.type.resource] ?? 0) + 1;
    return {
      requests: Object.fromEntries(this.counts),
      openWatches,
      openWatchCount: this.watchers.size,
      faultsApplied: this.faultsApplied,
      resourceVersion: String(this.store.resourceVersion),
      compactedResourceVersion: String(this.store.compactedResourceVersion),
    };
  }

  /** Requests served (up to requestLogSize, oldest first), with what clients sent. */
  requestLog(): RequestRecord[] {
    return this.log.map((r) => ({ ...r, query: { ...r.query } }));
  }

  // --- HTTP ----------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake-kube');
    const info = this.route(url);
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      verb: info.verb,
      ...(info.resource !== undefined ? { resource: info.resource } : {}),
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      status: 0,
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    };
    this.log.push(record);
    if (this.log.length > this.logSize) this.log.splice(0, this.log.length - this.logSize);
    const countKey =
      info.resource !== undefined && info.verb !== 'other' ? `${info.verb} ${info.resource}` : info.verb;
    this.counts.set(countKey, (this.counts.get(countKey) ?? 0) + 1);
    res.once('finish', () => (record.status = res.statusCode));

    // Authentication as an API server with anonymous access enabled: a wrong token is a 401, no
    // token is system:anonymous, which may read here (no authorization). kubectl needs that:
    // client-go's clientcmd sends user credentials to https:// servers only. /version and health
    // checks are public anyway (system:public-info-viewer).
    const auth = req.headers.authorization;
    const refused = auth === undefined ? !this.anonymous : auth !== `Bearer ${this.token}`;
    if (info.verb !== 'version' && info.verb !== 'health' && refused) {
      this.sendStatus(res, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // Objects change through apply()/patch()/delete() in the test, not over HTTP.
      this.sendStatus(
        res,
        status(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
          {},
        ),
      );
      return;
    }
    // A watch's status is known once its headers are out, long before the response finishes.
    const serve = (f: Fault | undefined) => {
      this.serve(req, res, url, info, f);
      if (res.headersSent && !record.status) record.status = res.statusCode;
    };
    const fault = this.takeFault(info, url.pathname);
    if (fault) {
      record.fault = faultName(fault);
      this.faultsApplied++;
      if (typeof fault === 'object' && 'delayMs' in fault) {
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          serve(undefined);
        }, fault.delayMs);
        this.delayed.add(timer);
        return;
      }
    }
    serve(fault);
  }

  private takeFault(info: RequestInfo, path: string): Fault | undefined {
    const matches = (m: FaultMatch): boolean =>
      (m.resource === undefined || m.resource === info.resource) &&
      (m.verb === undefined || m.verb === info.verb) &&
      (m.namespace === undefined || m.namespace === info.namespace) &&
      (m.path === undefined || (typeof m.path === 'string' ? path.includes(m.path) : m.path.test(path)));
    const active = this.faults.find((f) => f.remaining > 0 && matches(f.spec.match));
    if (!active) return undefined;
    active.remaining--;
    if (active.remaining === 0) this.faults = this.faults.filter((f) => f !== active);
    return active.spec.fault;
  }

  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: RequestInfo,
    fault: Fault | undefined,
  ): void {
    if (res.destroyed) return; // the client went away while the request was delayed
    if (fault === 'status500')
      return this.sendStatus(
        res,
        status(500, 'InternalError', 'Internal error occurred: injected fault', {}),
      );
    if (typeof fault === 'object' && 'status' in fault)
      return this.sendStatus(
        res,
        status(fault.status, fault.reason ?? reasonFor(fault.status), `injected fault (${fault.status})`, {}),
      );
    if (fault === 'dropConnection' && info.verb !== 'watch') {
      req.socket.destroy();
      return;
    }
    const malformed = fault === 'malformedJson';
    try {
      switch (info.verb) {
        case 'version':
          return this.sendJson(res, 200, this.version(), malformed);
        case 'health':
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('ok');
          return;
        case 'discovery':
          return this.sendJson(res, 200, this.discovery(url.pathname), malformed);
        case 'other':
          return this.sendStatus(res, resourceNotFound());
      }
      if (info.notFound || !info.type) return this.sendStatus(res, resourceNotFound());
      if (info.verb === 'get') return this.sendJson(res, 200, this.getObject(info), malformed);
      if (info.verb === 'list')
        return this.sendJson(
          res,
          200,
          this.listObjects(info, url.searchParams, req.headers.accept),
          malformed,
        );
      return this.startWatch(req, res, info, url.searchParams, fault);
    } catch (err) {
      if (err instanceof KubeError)
        return this.sendStatus(res, status(err.code, reasonFor(err.code), err.message));
      if (err instanceof SelectorError) return this.sendStatus(res, status(400, 'BadRequest', err.message));
      if (err instanceof StatusError) return this.sendStatus(res, err.status);
      return this.sendStatus(res, status(500, 'InternalError', `Internal error occurred: ${String(err)}`));
    }
  }

  /** Splits a path into what the API server's request info calls verb, resource, namespace and name. */
  private route(url: URL): RequestInfo {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/version') return { verb: 'version' };
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return { verb: 'health' };
    const parts = path.split('/').filter((p) => p !== '');
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      if (parts.length <= 2) return { verb: 'discovery' };
      group = '';
      version = parts[1] as string;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      if (parts.length <= 3) return { verb: 'discovery' };
      group = parts[1] as string;
      version = parts[2] as string;
      rest = parts.slice(3);
    } else {
      return { verb: 'other' };
    }
    const watch = isTrue(url.searchParams.get('watch'));
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    // /namespaces/<ns>/<resource>[/<name>] is a namespaced request; /namespaces[/<name>] are
    // requests for Namespace objects themselves.
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      resource = rest[2] as string;
      name = rest[3];
      if (rest.length > 4) return { verb: 'get', resource, namespace, notFound: true }; // subresources are not served
    } else {
      resource = rest[0] as string;
      name = rest[1];
      if (rest.length > 2) return { verb: 'get', resource, notFound: true };
    }
    const verb: Verb = watch ? 'watch' : name === undefined ? 'list' : 'get';
    const type = this.store.typeAt(group, version, resource);
    const info: RequestInfo = { verb, resource, group, version };
    if (namespace !== undefined) info.namespace = namespace;
    if (name !== undefined) info.name = name;
    // A namespaced resource is addressed with or without a namespace (the latter only to list or
    // watch across all namespaces); a cluster-scoped one never has one.
    if (
      !type ||
      (namespace !== undefined && !type.namespaced) ||
      (type.namespaced && namespace === undefined && name !== undefined)
    )
      return { ...info, notFound: true };
    return { ...info, type };
  }

  private version(): Record<string, string> {
    return {
      major: this.versionInfo.major,
      minor: this.versionInfo.minor,
      gitVersion: this.versionInfo.gitVersion,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2024-01-01T00:00:00Z',
      goVersion: 'go1.22.0',
      compiler: 'gc',
      platform: 'linux/amd64',
    };
  }

  // --- discovery -------------------------------------------------------------------------------
  // Legacy (unaggregated) discovery: /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>
  // (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api). Clients that ask
  // for aggregated discovery (Accept ...;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList) fall
  // back to it when the response's Content-Type is plain application/json, as here.

  private groups(): Map<string, string[]> {
    const groups = new Map<string, Set<string>>();
    for (const type of this.store.allTypes()) {
      if (type.group === '') continue;
      const versions = groups.get(type.group) ?? new Set<string>();
      for (const v of type.versions) versions.add(v);
      groups.set(type.group, versions);
    }
    return new Map(
      [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, vs]) => [g, [...vs].sort(compareVersions)]),
    );
  }

  private apiGroup(name: string, versions: string[]): Record<string, unknown> {
    const gv = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: gv, preferredVersion: gv[0] };
  }

  private discovery(pathname: string): Record<string, unknown> {
    const parts = pathname.split('/').filter((p) => p !== '');
    if (parts.length === 1 && parts[0] === 'api')
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: `${this.host}:${this.portNumber}` },
        ],
      };
    if (parts.length === 1)
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...this.groups()].map(([name, versions]) => this.apiGroup(name, versions)),
      };
    const group = parts[0] === 'api' ? '' : (parts[1] as string);
    const version = parts[0] === 'api' ? (parts[1] as string) : parts[2];
    if (version === undefined) {
      const versions = this.groups().get(group);
      if (!versions) throw new StatusError(resourceNotFound());
      return { kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(group, versions) };
    }
    const types = this.store
      .allTypes()
      .filter((t) => t.group === group && t.versions.includes(version))
      .sort((a, b) => (a.resource < b.resource ? -1 : 1));
    if (types.length === 0) throw new StatusError(resourceNotFound());
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: apiVersionOf(group, version),
      resources: types.map((t) => ({
        name: t.resource,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        // Only what the fake serves over HTTP: objects change through the test's own calls.
        verbs: ['get', 'list', 'watch'],
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
      })),
    };
  }

  // --- get and list ----------------------------------------------------------------------------

  private outputObject(type: ResourceType, version: string, obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(type.group, version), kind: type.kind };
  }

  private getObject(info: RequestInfo): KubeObject {
    const type = info.type as ResourceType;
    const ref: ObjectRef = {
      apiVersion: apiVersionOf(type.group, info.version as string),
      kind: type.kind,
      name: info.name as string,
    };
    if (info.namespace !== undefined) ref.namespace = info.namespace;
    const obj = this.store.get(ref);
    if (!obj) throw new StatusError(objectNotFound(type.group, type.resource, info.name as string));
    return this.outputObject(type, info.version as string, obj);
  }

  private parseRv(value: string, what = 'resourceVersion'): number {
    if (!/^\d+$/.test(value))
      throw new StatusError(status(400, 'BadRequest', `invalid ${what}: ${JSON.stringify(value)}`));
    return Number(value);
  }

  private decodeContinue(token: string): ContinueToken {
    // Same format as the API server's etcd3 continue tokens: base64 of {"v","rv","start"}.
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
        v?: unknown;
        rv?: unknown;
        start?: unknown;
      };
      if (
        decoded.v === 'meta.k8s.io/v1' &&
        typeof decoded.rv === 'number' &&
        typeof decoded.start === 'string'
      )
        return { rv: decoded.rv, start: decoded.start };
    } catch {
      // fall through to the 400
    }
    throw new StatusError(status(400, 'BadRequest', `continue key is not valid: ${JSON.stringify(token)}`));
  }

  /**
   * A list: resourceVersion semantics (https://kubernetes.io/docs/reference/using-api/api-concepts/#semantics-for-get-and-list):
   * unset, "0" or NotOlderThan → the latest state; Exact → the state at that revision (410 if
   * compacted); a continue token → the next page at the revision of the first page (410 if
   * compacted). limit/continue pagination as in https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks.
   */
  private listObjects(
    info: RequestInfo,
    query: URLSearchParams,
    accept: string | undefined,
  ): Record<string, unknown> {
    const type = info.type as ResourceType;
    const version = info.version as string;
    const now = this.store.resourceVersion;
    const rvParam = query.get('resourceVersion') ?? '';
    const match = query.get('resourceVersionMatch') ?? '';
    const continueParam = query.get('continue') ?? '';
    const limitParam = query.get('limit');
    const limit = limitParam ? this.parseRv(limitParam, 'limit') : 0;
    let atRv: number | undefined;
    let start = '';
    if (continueParam) {
      if (rvParam)
        throw new StatusError(
          status(400, 'BadRequest', 'specifying resource version is not allowed when using continue'),
        );
      const token = this.decodeContinue(continueParam);
      if (token.rv < this.store.compactedResourceVersion)
        throw new StatusError(
          status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          ),
        );
      atRv = token.rv;
      start = token.start;
    } else if (rvParam && rvParam !== '0') {
      const rv = this.parseRv(rvParam);
      if (rv > now)
        throw new StatusError(
          status(504, 'Timeout', `Too large resource version: ${rv}, current: ${now}`, {
            kind: type.resource,
          }),
        );
      if (match === 'Exact') {
        if (rv < this.store.compactedResourceVersion)
          throw new StatusError(tooOld(rv, this.store.compactedResourceVersion));
        atRv = rv;
      }
    }
    const labels = parseLabelSelector(query.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
    const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const all = this.store
      .list(type, info.namespace, atRv)
      .filter((o) => labels(o) && fields(o) && (start === '' || key(o) >= start));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const listRv = atRv ?? now;
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (page.length < all.length) {
      const last = page[page.length - 1] as KubeObject;
      metadata.continue = Buffer.from(
        JSON.stringify({ v: 'meta.k8s.io/v1', rv: listRv, start: `${key(last)}\u0000` }),
      ).toString('base64');
      // As the API server, only when no selector filtered the list (it could not count cheaply then).
      if (!query.get('labelSelector') && !query.get('fieldSelector'))
        metadata.remainingItemCount = all.length - page.length;
    }
    const items = page.map((o) => this.outputObject(type, version, o));
    const table = tableVersionFromAccept(accept);
    if (table) return toTable(table, items, metadata, includeObjectOf(query));
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type.group, version),
      metadata,
      // Built-in types' list items carry no apiVersion/kind in the real API (kubernetes/kubernetes#98925;
      // clients must not rely on them); custom resources' items, served as unstructured JSON, do.
      items: type.crdName ? items : items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    };
  }

  // --- watch -----------------------------------------------------------------------------------

  /**
   * A watch (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
   * a chunked 200 response of JSON lines {"type","object"}. From resourceVersion X it starts with
   * every change after X; unset or "0" starts with a synthetic ADDED per existing object. Too old an
   * X is not an HTTP error: as the API server's watch cache does, it answers 200, sends one ERROR
   * event carrying a 410 Expired Status, and ends the stream. Label and field selectors filter
   * events; an object that stops matching is sent as DELETED, one that starts matching as ADDED.
   */
  private startWatch(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    query: URLSearchParams,
    fault: Fault | undefined,
  ): void {
    const type = info.type as ResourceType;
    const labels = parseLabelSelector(query.get('labelSelector') ?? undefined);
    let fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
    if (info.name !== undefined) {
      // Watching a single object's path is the old form of fieldSelector=metadata.name=<name>.
      const name = info.name;
      const byField = fields;
      fields = (o) => o.metadata.name === name && byField(o);
    }
    const rvParam = query.get('resourceVersion') ?? '';
    const fromRv = rvParam === '' || rvParam === '0' ? undefined : this.parseRv(rvParam);
    const timeoutParam = query.get('timeoutSeconds');
    const timeoutSeconds = timeoutParam
      ? this.parseRv(timeoutParam, 'timeoutSeconds')
      : this.defaultWatchTimeoutSeconds;
    const w: Watcher = {
      type,
      key: typeKey(type.group, type.resource),
      version: info.version as string,
      labels,
      fields,
      includeObject: includeObjectOf(query),
      res,
      corruptNext: fault === 'malformedJson',
      timers: [],
    };
    if (info.namespace !== undefined) w.namespace = info.namespace;
    const table = tableVersionFromAccept(req.headers.accept);
    if (table) w.table = table;

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();

    if (fromRv === undefined || isTrue(query.get('sendInitialEvents'))) {
      // "Get State and Start at Most Recent": the current objects as ADDED, then changes.
      for (const obj of this.store.list(type, w.namespace))
        if (labels(obj) && fields(obj)) this.send(w, 'ADDED', obj);
      if (isTrue(query.get('sendInitialEvents')) && isTrue(query.get('allowWatchBookmarks')))
        this.sendBookmark(w, { 'k8s.io/initial-events-end': 'true' });
    } else {
      let changes: Change[];
      try {
        changes = this.store.changesSince(w.key, fromRv);
      } catch (err) {
        if (!(err instanceof KubeError) || err.code !== 410) throw err;
        this.writeLine(w, { type: 'ERROR', object: tooOld(fromRv, this.store.compactedResourceVersion) });
        res.end();
        return;
      }
      for (const change of changes) this.deliver(w, change);
    }
    if (fault === 'dropConnection') {
      // Close the connection once what was written has been sent, without the terminating
      // chunk: the client sees the stream break in the middle.
      req.socket.end();
      return;
    }
    this.watchers.add(w);
    res.once('close', () => this.forget(w));
    if (isTrue(query.get('allowWatchBookmarks')))
      w.timers.push(setInterval(() => this.sendBookmark(w), this.bookmarkIntervalMs));
    if (timeoutSeconds !== undefined && timeoutSeconds > 0)
      w.timers.push(setTimeout(() => void this.endWatch(w, 'end'), timeoutSeconds * 1000));
  }

  private forget(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    this.watchers.delete(w);
  }

  private endWatch(w: Watcher, how: WatchClose): Promise<void> {
    this.forget(w);
    if (how === 'cut') {
      w.res.socket?.destroy();
      return Promise.resolve();
    }
    if (how === 'expire') {
      this.writeLine(w, {
        type: 'ERROR',
        object: status(410, 'Expired', 'The resourceVersion for the provided watch is too old.', {}),
      });
    }
    return new Promise((resolve) => {
      if (w.res.writableEnded || w.res.destroyed) return resolve();
      w.res.end(() => resolve());
      w.res.once('close', () => resolve());
    });
  }

  private fanOut(change: Change): void {
    for (const w of this.watchers) if (w.key === change.key) this.deliver(w, change);
  }

  /** Sends a change as the event this watch should see (see startWatch for selectors). */
  private deliver(w: Watcher, change: Change): void {
    const inScope = (o: KubeObject | undefined) =>
      o !== undefined &&
      (w.namespace === undefined || o.metadata.namespace === w.namespace) &&
      w.labels(o) &&
      w.fields(o);
    const now = change.type !== 'DELETED' && inScope(change.object);
    const before = inScope(change.prev);
    if (change.type === 'DELETED') {
      if (before) this.send(w, 'DELETED', change.object);
    } else if (now && before) this.send(w, 'MODIFIED', change.object);
    else if (now) this.send(w, 'ADDED', change.object);
    else if (before)
      // Left the selector: DELETED with the previous state at this change's resourceVersion.
      this.send(w, 'DELETED', {
        ...(change.prev as KubeObject),
        metadata: { ...(change.prev as KubeObject).metadata, resourceVersion: String(change.rv) },
      });
  }

  private send(w: Watcher, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const out = this.outputObject(w.type, w.version, obj);
    const object = w.table
      ? toTable(w.table, [out], { resourceVersion: out.metadata.resourceVersion }, w.includeObject)
      : out;
    this.writeLine(w, { type, object });
  }

  /** A BOOKMARK carries an object of the watched kind with only metadata.resourceVersion (and annotations) set. */
  private sendBookmark(w: Watcher, annotations?: Record<string, string>): void {
    this.writeLine(w, {
      type: 'BOOKMARK',
      object: {
        kind: w.type.kind,
        apiVersion: apiVersionOf(w.type.group, w.version),
        metadata: {
          resourceVersion: String(this.store.resourceVersion),
          ...(annotations ? { annotations } : {}),
        },
      },
    });
  }

  private writeLine(w: Watcher, event: { type: string; object: unknown }): void {
    if (w.res.writableEnded || w.res.destroyed) return;
    let line = JSON.stringify(event);
    if (w.corruptNext && event.type !== 'BOOKMARK') {
      w.corruptNext = false;
      line = line.slice(0, Math.floor(line.length / 2));
    }
    w.res.write(`${line}\n`);
  }

  private sendJson(res: ServerResponse, code: number, body: unknown, malformed = false): void {
    let text = JSON.stringify(body);
    if (malformed) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.end(text);
  }

  private sendStatus(res: ServerResponse, s: Status): void {
    this.sendJson(res, s.code, s);
  }
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** A Status to answer with, thrown from deep inside a handler. */
class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}
