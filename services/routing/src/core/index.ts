// The routing core: the desired table and what each peer gets of it. Pure: no IO, no clock.
export { computeDesiredTable, judgeBlock, type BlockJudgement } from './desired-table';
export { DesiredTableState, type TableChanges } from './table-state';
export {
  defaultPolicy,
  routeAttributes,
  communityText,
  largeCommunityText,
  SOURCE_CLUSTER_FUNCTION,
} from './communities';
export { compileFilter, routesForPeer, type PeerFilter, type RouteFilter } from './peer-filter';
export {
  blockKey,
  type BlockView,
  type ClusterRoutingPolicy,
  type ClusterView,
  type Community,
  type DesiredRouteEntry,
  type DesiredTable,
  type ExcludedBlock,
  type ExclusionReason,
  type LargeCommunity,
  type RouteAttributes,
  type RoutingInputs,
  type RoutingSettings,
} from './types';
