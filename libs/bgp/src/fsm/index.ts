export type { BgpState, TimerName, NotificationSpec } from './states';
export type { FsmConfig, RetryBackoff } from './config';
export {
  DEFAULT_HOLD_TIME_SECONDS,
  DEFAULT_OPEN_SENT_HOLD_SECONDS,
  DEFAULT_RETRY_BACKOFF,
  retryDelaySeconds,
} from './config';
export type { FsmData, OpenAccepted } from './data';
export { initialFsmData } from './data';
export type { FsmEvent, FsmEventType } from './events';
export { notificationEvent } from './events';
export type { FsmAction, Transition } from './actions';
export { step } from './step';
export { checkOpen, bgpIdentifierValue, type OpenCheck } from './open-check';
export {
  collisionSurvivor,
  incomingDisposition,
  type ConnectionDirection,
  type IncomingDisposition,
} from './collision';
