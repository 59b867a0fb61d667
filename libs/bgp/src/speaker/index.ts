export { BgpSpeaker, type SpeakerDeps, type PeerRoutes } from './speaker';
export { type SpeakerConfig, type PeerConfig, SpeakerConfigError } from './config';
export type { SpeakerEvents, SpeakerEventName } from './events';
export type { PeerStatus, MessageCounts, TimedNotification } from './peer-status';
