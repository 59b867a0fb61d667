import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  ListWatch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ClusterStatus } from '@isthmus/contracts';
import type { EntityChange } from '../../writer/changes';
import { clusterHealth, type HealthPolicy } from '../cluster-health';
import { KubeInventory, type KubeKind } from './inventory';
import { EntityReconciler, type KnownEntities } from './reconciler';
import { ResilientInformer, type InformerLike } from './resilient-informer';
import { StrictWatch } from './strict-watch';

export interface KubeConnection {
  kubeconfig?: string;
  kubeconfigPath?: string;
  inCluster?: boolean;
  context?: string;
}

export interface KubeSourceOptions {
  cluster: string;
  connection: KubeConnection;
  exportDefault: boolean;
  /** Writes changes through the registry's writer; rejects when they could not be written. */
  submit: (changes: EntityChange[]) => Promise<unknown>;
  /** What the registry holds for this cluster now (to delete what vanished while unwatched). */
  loadKnown: () => Promise<KnownEntities>;
  reportStatus: (status: ClusterStatus, reason: string | null, synced: boolean) => Promise<void>;
  health: HealthPolicy;
  flushIntervalMs: number;
  /** Each watch asks the server to end it after about this long (then it is re-opened). */
  watchTimeoutSeconds: number;
  crdCheckIntervalMs: number;
  /** Where a pod's service account files are mounted, before the standard path ('' in a pod). */
  inClusterPathPrefix?: string;
  backoff: { initialMs: number; maxMs: number };
  log: { warn(message: string): void; log(message: string): void; error(message: string): void };
}

/** Custom resources the source follows when their CRD is installed. */
const OPTIONAL_RESOURCES = [
  {
    kind: 'blockaffinity' as const,
    group: 'crd.projectcalico.org',
    version: 'v1',
    plural: 'blockaffinities',
    namespaced: false,
  },
  {
    kind: 'serviceexport' as const,
    group: 'multicluster.x-k8s.io',
    version: 'v1alpha1',
    plural: 'serviceexports',
    namespaced: true,
  },
];

export function loadKubeConfig(connection: KubeConnection, inClusterPathPrefix = ''): KubeConfig {
  const kc = new KubeConfig();
  if (connection.kubeconfig) kc.loadFromString(connection.kubeconfig);
  else if (connection.kubeconfigPath) kc.loadFromFile(connection.kubeconfigPath);
  else {
    // Outside a pod loadFromCluster() would build a config for "https://undefined": say why instead.
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error(
        'inCluster: KUBERNETES_SERVICE_HOST is not set, the registry does not run in a Kubernetes pod',
      );
    }
    kc.loadFromCluster(inClusterPathPrefix);
  }
  if (connection.context) {
    if (!kc.getContextObject(connection.context)) {
      throw new Error(`the kubeconfig has no context "${connection.context}"`);
    }
    kc.setCurrentContext(connection.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig names no cluster for its current context');
  return kc;
}

/**
 * Watches one Kubernetes cluster into the registry: informers feed the inventory, a flush loop
 * turns what changed into writer changes (coalesced, in batches), and the watches' health
 * becomes the cluster's status. Everything it does is level-based, so restarting it (another
 * replica taking over, a new connection) converges without losing or duplicating anything.
 */
export class KubeSource {
  private readonly inventory: KubeInventory;
  private readonly reconciler: EntityReconciler;
  private readonly watches = new Map<KubeKind, ResilientInformer<KubernetesObject>>();
  private kc!: KubeConfig;
  private flushTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private crdTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private flushScheduled = false;
  private sweptAfterSync = false;
  private customResourcesChecked = false;
  private forgetOnNextFlush = false;
  private reported: { status: ClusterStatus; reason: string | null } | undefined;
  private stopped = false;

  constructor(private readonly opts: KubeSourceOptions) {
    this.inventory = new KubeInventory(opts.cluster, { exportDefault: opts.exportDefault, calico: false });
    this.reconciler = new EntityReconciler(opts.cluster);
  }

  async start(): Promise<void> {
    try {
      this.kc = loadKubeConfig(this.opts.connection, this.opts.inClusterPathPrefix);
    } catch (e) {
      // A kubeconfig that does not load is the operator's to fix: say so in the status.
      await this.report('connecting', `cannot load the kubeconfig: ${(e as Error).message}`);
      return;
    }
    this.reconciler.seed(await this.opts.loadKnown());
    const core = this.kc.makeApiClient(CoreV1Api);
    const discovery = this.kc.makeApiClient(DiscoveryV1Api);
    this.watch('node', '/api/v1/nodes', () => core.listNode());
    this.watch('service', '/api/v1/services', () => core.listServiceForAllNamespaces());
    this.watch('endpointslice', '/apis/discovery.k8s.io/v1/endpointslices', () =>
      discovery.listEndpointSliceForAllNamespaces(),
    );
    await this.checkCustomResources();
    this.flushTimer = setInterval(() => void this.flush(), this.opts.flushIntervalMs);
    this.healthTimer = setInterval(() => void this.updateStatus(), 500);
    this.crdTimer = setInterval(() => void this.checkCustomResources(), this.opts.crdCheckIntervalMs);
    for (const t of [this.flushTimer, this.healthTimer, this.crdTimer]) t.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.flushTimer, this.healthTimer, this.crdTimer]) clearInterval(t);
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
    await this.flushing;
  }

  /** The cluster's export default changed: services are recomputed, nothing restarts. */
  setExportDefault(exportDefault: boolean): void {
    this.inventory.configure({ ...this.currentSettings(), exportDefault });
  }

  private currentSettings() {
    return { exportDefault: this.opts.exportDefault, calico: this.watches.has('blockaffinity') };
  }

  private watch(kind: KubeKind, path: string, list: () => Promise<unknown>): void {
    const watch = new StrictWatch(this.kc, {
      timeoutSeconds: this.opts.watchTimeoutSeconds,
      minHealthyMs: 1000,
      maxShortLived: 3,
    });
    // ListWatch is what makeInformer builds, with client-node's own Watch; ours is stricter.
    const informer = new ListWatch<KubernetesObject>(
      path,
      watch as never,
      list as never,
      false,
    ) as unknown as InformerLike<KubernetesObject>;
    const resilient = new ResilientInformer<KubernetesObject>({
      name: path.split('/').pop()!,
      informer,
      onEvent: (type, obj) => {
        this.inventory.apply(kind, type, obj);
        this.scheduleFlush();
      },
      backoff: this.opts.backoff,
      log: this.opts.log,
    });
    this.watches.set(kind, resilient);
    resilient.start();
  }

  /**
   * Follows Calico's BlockAffinities and MCS ServiceExports only where their CRDs exist, and
   * notices them appearing (or going) later. A resource that answers 404 is not installed.
   */
  private async checkCustomResources(): Promise<void> {
    if (this.stopped) return;
    const custom = this.kc.makeApiClient(CustomObjectsApi);
    for (const r of OPTIONAL_RESOURCES) {
      let installed: boolean;
      try {
        await custom.listClusterCustomObject({
          group: r.group,
          version: r.version,
          plural: r.plural,
          limit: 1,
        });
        installed = true;
      } catch (e) {
        const code =
          (e as { code?: number; statusCode?: number }).code ?? (e as { statusCode?: number }).statusCode;
        if (code !== 404) continue; // cannot tell now: keep what we have
        installed = false;
      }
      const running = this.watches.get(r.kind);
      if (installed && !running) {
        this.opts.log.log(`${r.plural}.${r.group} is installed: watching it`);
        this.watch(r.kind, `/apis/${r.group}/${r.version}/${r.plural}`, () =>
          r.namespaced
            ? custom.listCustomObjectForAllNamespaces({
                group: r.group,
                version: r.version,
                plural: r.plural,
              })
            : custom.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural }),
        );
      } else if (!installed && running) {
        this.opts.log.log(`${r.plural}.${r.group} is gone: no longer watching it`);
        this.watches.delete(r.kind);
        await running.stop();
        this.inventory.clear(r.kind);
      }
    }
    this.inventory.configure(this.currentSettings());
    this.customResourcesChecked = true;
  }

  /**
   * A change is written as soon as the events of the current I/O turn are in (a watch chunk
   * often carries several): setImmediate coalesces them. The interval flush stays as a safety
   * net (a retry after a failed write).
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Writes what changed since the last flush; one flush at a time, another right after if needed. */
  private flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
      if (this.flushAgain && !this.stopped) {
        this.flushAgain = false;
        void this.flush();
      }
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.forgetOnNextFlush) {
      // A previous write failed: what the reconciler believed written may not be. Start again
      // from "unknown" and let the writer drop what it already has.
      this.forgetOnNextFlush = false;
      this.reconciler.forget();
      this.inventory.takeDirty();
      await this.write(this.reconciler.fullPass(this.inventory));
      return;
    }
    const allSynced = [...this.watches.values()].every((w) => w.health().synced);
    if (allSynced && !this.sweptAfterSync) {
      // The first complete picture: also delete what the registry had and the cluster has not.
      this.inventory.takeDirty();
      if (await this.write(this.reconciler.fullPass(this.inventory))) this.sweptAfterSync = true;
      return;
    }
    // Before the first complete picture, a group is written only once every watch it is
    // built from has listed: a service before its EndpointSlices would go out without
    // endpoints and again with them, a node before its BlockAffinities without its blocks.
    const dirty = this.inventory.takeDirty(this.sweptAfterSync ? undefined : this.listedGroups());
    if (dirty.nodes.size === 0 && dirty.services.size === 0) return;
    await this.write(this.reconciler.changes(this.inventory, dirty));
  }

  private async write(changes: EntityChange[]): Promise<boolean> {
    if (changes.length === 0) return true;
    try {
      await this.opts.submit(changes);
      return true;
    } catch (e) {
      this.opts.log.warn(`writing ${changes.length} changes failed, will rewrite: ${(e as Error).message}`);
      this.forgetOnNextFlush = true;
      return false;
    }
  }

  /** The groups of entities whose every watch has listed. */
  private listedGroups(): { nodes: boolean; services: boolean } {
    // Until the first CRD check has answered, whether BlockAffinities and ServiceExports
    // exist (and must be waited for) is unknown.
    const listed = (kinds: readonly KubeKind[]) =>
      this.customResourcesChecked && kinds.every((k) => this.watches.get(k)?.health().synced ?? true);
    return {
      nodes: listed(['node', 'blockaffinity']) && this.watches.has('node'),
      services: listed(['service', 'endpointslice', 'serviceexport']) && this.watches.has('service'),
    };
  }

  private async updateStatus(): Promise<void> {
    if (this.stopped) return;
    const h = clusterHealth(
      Date.now(),
      [...this.watches.values()].map((w) => w.health()),
      this.opts.health,
    );
    // Synced only once the first complete picture is written, not merely listed.
    const status = h.status === 'synced' && !this.sweptAfterSync ? 'connecting' : h.status;
    await this.report(
      status,
      status === 'connecting' && h.status === 'synced' ? 'writing the first list' : h.reason,
    );
  }

  private async report(status: ClusterStatus, reason: string | null): Promise<void> {
    if (this.reported?.status === status && this.reported.reason === reason) return;
    try {
      await this.opts.reportStatus(status, reason, status === 'synced');
      this.reported = { status, reason };
    } catch (e) {
      this.opts.log.warn(`cannot record status ${status}: ${(e as Error).message}`);
    }
  }
}
