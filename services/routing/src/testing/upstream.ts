// Test support: the registry's and IPAM's side of the bus, without those services. Events have
// the contracts' shapes and go onto the test's streams as the services publish them (one subject
// per entity, state or tombstone, Nats-Msg-Id per revision).
import { BusConnection, BusPublisher } from '@isthmus/bus';
import {
  ipamSubjectOf,
  subjectOf,
  type ClusterKind,
  type ClusterState,
  type IpamEvent,
  type PodBlockState,
  type RegistryEvent,
  type VerdictStatus,
} from '@isthmus/contracts';

const encoder = new TextEncoder();

export class Upstream {
  private revision = 0;
  private readonly publisher: BusPublisher;

  constructor(
    private readonly bus: BusConnection,
    readonly root: string,
  ) {
    this.publisher = new BusPublisher(bus, { attemptTimeoutMs: 3000 });
  }

  static open(natsUrl: string, root: string): Upstream {
    return new Upstream(
      new BusConnection(natsUrl, 'test-upstream', undefined, { reconnectTimeWaitMs: 100 }),
      root,
    );
  }

  async close(): Promise<void> {
    await this.bus.close();
  }

  private at = () => new Date().toISOString();

  async registry(...events: RegistryEvent[]): Promise<void> {
    await this.publisher.publish(
      events.map((e) => ({
        subject: subjectOf(e, this.root),
        data: encoder.encode(JSON.stringify(e)),
        msgId: `r-${e.revision}`,
      })),
    );
  }

  async ipam(...events: IpamEvent[]): Promise<void> {
    await this.publisher.publish(
      events.map((e) => ({
        subject: ipamSubjectOf(e, this.root),
        data: encoder.encode(JSON.stringify(e)),
        msgId: `i-${e.revision}`,
      })),
    );
  }

  cluster(
    id: string,
    status: ClusterState['status'] = 'synced',
    kind: ClusterKind = 'static',
  ): RegistryEvent {
    return {
      kind: 'cluster',
      revision: ++this.revision,
      at: this.at(),
      deleted: false,
      state: {
        id,
        kind,
        status,
        statusReason: null,
        lastSyncAt: null,
        asn: null,
        labels: {},
        exportDefault: true,
      },
    };
  }

  clusterGone(id: string): RegistryEvent {
    return { kind: 'cluster', revision: ++this.revision, at: this.at(), deleted: true, key: { id } };
  }

  block(
    cluster: string,
    cidr: string,
    node: string,
    nextHop: string,
    source: PodBlockState['source'] = 'static',
  ): RegistryEvent {
    return {
      kind: 'block',
      revision: ++this.revision,
      at: this.at(),
      deleted: false,
      state: { cluster, cidr, node, nextHop, source },
    };
  }

  blockGone(cluster: string, cidr: string): RegistryEvent {
    return { kind: 'block', revision: ++this.revision, at: this.at(), deleted: true, key: { cluster, cidr } };
  }

  verdict(cluster: string, cidr: string, node: string, status: VerdictStatus): IpamEvent {
    return {
      kind: 'verdict',
      revision: ++this.revision,
      at: this.at(),
      deleted: false,
      state: {
        cluster,
        cidr,
        node,
        status,
        allocation: 'no-pod-allocation',
        excludedBy: [],
        excludedByTotal: 0,
        excludingTotal: 0,
      },
    };
  }
}
