// Real BGP peers for interop tests and benchmarks: BIRD 2 and FRR's bgpd as route reflectors,
// gobgpd as a speaker loaded from MRT files (or a reflector too), a relay that counts BGP messages, and the measurement of a
// table transfer to BIRD. Everything runs on 127.0.0.0/8 with ports chosen by the caller.
export { startBird, markGracefulRestartStale, type BirdHandle, type BirdRoute } from './bird/bird';
export { renderBirdConfig, BIRD_TABLES, type BirdOptions, type BirdNeighbor } from './bird/config';
export { BirdCommandError, type BirdReplyLine } from './bird/reply';
export type { BirdProtocolStatus, BirdChannelStatus, BirdRouteChangeStats } from './bird/show-protocols';
export {
  startGobgpd,
  type GobgpdHandle,
  type GobgpRouteSpec,
  type GobgpdStartOptions,
} from './gobgpd/gobgpd';
export { renderGobgpdConfig, type GobgpdOptions, type GobgpdNeighbor } from './gobgpd/config';
export { startFrr, type FrrHandle } from './frr/frr';
export { renderFrrConfig, FRR_DEFAULT_ASN, type FrrOptions, type FrrNeighbor } from './frr/config';
export type { FrrNeighborStatus, FrrMessageCounts } from './frr/show-json';
export { padForGobgpInject, GOBGP_INJECT_PADDING_RECORDS } from './gobgpd/inject-padding';
export type { GobgpNeighborStatus } from './gobgpd/rib-json';
export {
  encodeTableDumpV2,
  listMrtRecords,
  DEFAULT_MRT_PEER,
  type MrtPeer,
  type MrtRoute,
  type TableDumpOptions,
} from './mrt/table-dump-v2';
export {
  startBgpMessageCounter,
  type BgpMessageCounter,
  type BgpMessageCounts,
  type BgpMessageCounterOptions,
} from './wire/message-counter';
export {
  measureTableTransfer,
  type TableTransferOptions,
  type TableTransferResult,
} from './measure/table-transfer';
export { ibgpIpv4Attributes, ibgpIpv6Attributes, type Community } from './fixtures/attributes';
export { formatCommunity, type AddressFamily, type PeerRoute, type RouteOrigin } from './route';
