// Path attribute type codes (IANA "BGP Path Attributes") and flag bits (RFC 4271 §4.3).

export const AttributeCode = {
  origin: 1, // RFC 4271 §5.1.1
  asPath: 2, // RFC 4271 §5.1.2
  nextHop: 3, // RFC 4271 §5.1.3
  multiExitDisc: 4, // RFC 4271 §5.1.4
  localPref: 5, // RFC 4271 §5.1.5
  atomicAggregate: 6, // RFC 4271 §5.1.6
  aggregator: 7, // RFC 4271 §5.1.7
  communities: 8, // RFC 1997
  originatorId: 9, // RFC 4456 §8
  clusterList: 10, // RFC 4456 §8
  mpReachNlri: 14, // RFC 4760 §3
  mpUnreachNlri: 15, // RFC 4760 §4
  as4Path: 17, // RFC 6793 §3
  as4Aggregator: 18, // RFC 6793 §3
  largeCommunity: 32, // RFC 8092 §3
} as const;

export const AttributeFlag = {
  optional: 0x80,
  transitive: 0x40,
  partial: 0x20,
  extendedLength: 0x10,
} as const;

/** The two bits RFC 7606 §3.c checks against each attribute's definition. */
export const KIND_MASK = AttributeFlag.optional | AttributeFlag.transitive;
export const WELL_KNOWN = AttributeFlag.transitive;
export const OPTIONAL_TRANSITIVE = AttributeFlag.optional | AttributeFlag.transitive;
export const OPTIONAL_NON_TRANSITIVE = AttributeFlag.optional;
