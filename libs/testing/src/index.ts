// The harness every integration test uses: a fresh database per test suite, the run's shared NATS
// server, unique names, and private NATS servers for outage tests. Which PostgreSQL and NATS
// "the run's" are is decided once by global-setup.ts (containers or the machine's own services).
export { createTestDatabase, reserveTestDatabase, type TestDatabase } from './database';
export {
  pauseDatabaseCreation,
  startConnectionGate,
  startReplicasTogether,
  type DatabaseCreationPause,
  type ConnectionGate,
  type ReplicasStartedTogether,
} from './database-race';
export { natsUrl, startNatsServer, type NatsServerHandle } from './nats-server';
export { startNatsCluster, type NatsClusterHandle, type NatsClusterNode } from './nats-cluster';
export { startNatsFaultProxy, type AckFault, type NatsFaultProxy } from './nats-fault-proxy';
export { uniqueName } from './names';
export { pollUntil, type PollOptions } from './polling';
export { spawnService, httpRequest, type ServiceProcess, type HttpAnswer } from './service-process';
export { freePort, startPostgresServer, type PostgresServerHandle } from './postgres-server';
// Real BGP peers on loopback (BIRD 2 and FRR's bgpd as route reflectors, gobgpd loaded from MRT
// files), a message-counting relay and the table-transfer measurement; see bgp/index.ts.
export {
  startBird,
  startGobgpd,
  startFrr,
  encodeTableDumpV2,
  ibgpIpv4Attributes,
  ibgpIpv6Attributes,
  startBgpMessageCounter,
  measureTableTransfer,
  BirdCommandError,
  type BirdHandle,
  type BirdOptions,
  type BirdNeighbor,
  type BirdRoute,
  type BirdProtocolStatus,
  type GobgpdHandle,
  type GobgpdOptions,
  type GobgpdNeighbor,
  type GobgpRouteSpec,
  type FrrHandle,
  type FrrOptions,
  type FrrNeighbor,
  type FrrNeighborStatus,
  type MrtRoute,
  type MrtPeer,
  type BgpMessageCounter,
  type TableTransferResult,
  type AddressFamily,
  type PeerRoute,
} from './bgp';
