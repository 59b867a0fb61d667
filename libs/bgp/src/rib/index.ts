export {
  type DesiredRoute,
  type PathOptions,
  RouteInputError,
  canonicalPrefixAfi,
  addressAfi,
  checkRoute,
} from './route-input';
export { type AttributeSet, AttributeSetInterner } from './attribute-set';
export { RouteTable, type TableChange } from './route-table';
export {
  diffRoutes,
  applyDiff,
  diffSize,
  emptyDiff,
  prefixAfi,
  type RouteDiff,
  type DiffOptions,
} from './diff';
export { routeAttributes, DEFAULT_LOCAL_PREF, type PeerRouting } from './path-attributes';
export { planUpdates, MAX_MESSAGE_SIZE } from './plan';
export { AdjRibOut, type UpdateBatch } from './adj-rib-out';
