export { FakeKubeApi } from './server';
export { blockAffinity, blockAffinityCrd, serviceExportCrd } from './crds';
export { KubeError } from './store';
export { BUILTIN_TYPES, type ResourceType } from './resources';
export type { Status } from './status';
export type {
  FakeKubeOptions,
  FakeKubeStats,
  Fault,
  FaultMatch,
  FaultSpec,
  InjectedFault,
  KubeObject,
  ObjectMeta,
  ObjectRef,
  RequestRecord,
  Verb,
  WatchClose,
  WatchEvent,
  WatchEventType,
} from './types';
