export type { Transport, TransportSocket, ConnectOptions } from './transport';
export { tcpTransport } from './transport';
export type { Clock, TimerHandle } from './clock';
export { systemClock } from './clock';
export { jittered, FsmTimers } from './timers';
export { MessageFramer, type Framed } from './framer';
export { inboundEvent, decodeErrorEvent, messageKind, type MessageKind, type Inbound } from './inbound';
export { localOpen, type GracefulRestartOptions, type LocalOpenOptions } from './local-open';
export { BgpConnection, type ConnectionEvents } from './connection';
export {
  PeerSession,
  type PeerSessionOptions,
  type PeerSessionDeps,
  type PeerSessionHandlers,
  type SessionInfo,
  type StateChange,
} from './peer-session';
export { tcpListen, type Listen, type ListenAddress, type Listening } from './listener';
