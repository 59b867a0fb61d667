// NOTIFICATION error codes and subcodes: RFC 4271 §4.5 and §6, with the subcodes later RFCs added
// (RFC 5492 §5 Unsupported Capability, RFC 6608 FSM, RFC 4486 and RFC 8538 Cease, RFC 7313 §5).

export const ErrorCode = {
  messageHeader: 1,
  open: 2,
  update: 3,
  holdTimerExpired: 4,
  finiteStateMachine: 5,
  cease: 6,
  routeRefresh: 7,
} as const;

/** RFC 4271 §6.1. */
export const MessageHeaderSubcode = {
  connectionNotSynchronized: 1,
  badMessageLength: 2,
  badMessageType: 3,
} as const;

/** RFC 4271 §6.2 (5 is deprecated), RFC 5492 §5. */
export const OpenSubcode = {
  unsupportedVersionNumber: 1,
  badPeerAs: 2,
  badBgpIdentifier: 3,
  unsupportedOptionalParameter: 4,
  unacceptableHoldTime: 6,
  unsupportedCapability: 7,
} as const;

/** RFC 4271 §6.3 (7 is deprecated). */
export const UpdateSubcode = {
  malformedAttributeList: 1,
  unrecognizedWellKnownAttribute: 2,
  missingWellKnownAttribute: 3,
  attributeFlagsError: 4,
  attributeLengthError: 5,
  invalidOrigin: 6,
  invalidNextHop: 8,
  optionalAttributeError: 9,
  invalidNetworkField: 10,
  malformedAsPath: 11,
} as const;

/** RFC 6608 §4. */
export const FsmSubcode = {
  unspecified: 0,
  unexpectedMessageInOpenSent: 1,
  unexpectedMessageInOpenConfirm: 2,
  unexpectedMessageInEstablished: 3,
} as const;

/** RFC 4486 §4 and RFC 8538 §5 (Hard Reset). */
export const CeaseSubcode = {
  maximumPrefixesReached: 1,
  administrativeShutdown: 2,
  peerDeconfigured: 3,
  administrativeReset: 4,
  connectionRejected: 5,
  otherConfigurationChange: 6,
  connectionCollisionResolution: 7,
  outOfResources: 8,
  hardReset: 9,
} as const;
