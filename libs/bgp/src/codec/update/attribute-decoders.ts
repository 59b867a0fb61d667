import { formatIpv4 } from '../address/ipv4-text';
import { UpdateSubcode } from '../error-codes';
import { readU16, readU32 } from '../wire/integers';
import type { AsPathSegment, CodecContext, ErrorHandling, Origin, PathAttributes } from '../types';
import { decodeAsPath } from './as-path';
import { AttributeCode, OPTIONAL_NON_TRANSITIVE, OPTIONAL_TRANSITIVE, WELL_KNOWN } from './attribute-codes';

/** What the attributes of one UPDATE decode into, before RFC 6793 and RFC 7606 §3.d are applied. */
export interface DecodeState {
  attributes: PathAttributes;
  /** RFC 6793 attributes, merged by the caller on a 2-octet session. */
  as4Path?: AsPathSegment[];
  as4Aggregator?: { asn: number; address: string };
}

/** Why an attribute is malformed; the NOTIFICATION data is the attribute unless `data` says otherwise. */
export interface AttributeFault {
  subcode: number;
  why: string;
  data?: Uint8Array;
}

export interface AttributeSpec {
  /** Optional and Transitive bits as the attribute's definition sets them (RFC 7606 §3.c). */
  kind: number;
  /** RFC 7606 §7 handling when it is malformed. */
  handling: ErrorHandling;
  decode(value: Uint8Array, ctx: CodecContext, state: DecodeState): AttributeFault | undefined;
}

const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];
const NONE = new Uint8Array(0);

function lengthError(name: string, length: number, expected: string): AttributeFault {
  return {
    subcode: UpdateSubcode.attributeLengthError,
    why: `${name} of length ${length}, ${expected} expected`,
  };
}

/** RFC 4271 §6.3: a NEXT_HOP must be a valid host address: not 0/8, multicast, class E or broadcast. */
function isHostAddress(value: Uint8Array): boolean {
  return value[0] !== 0 && value[0]! < 224;
}

function decodeAggregator(value: Uint8Array, asnWidth: 2 | 4, name: string) {
  if (value.length !== asnWidth + 4) return lengthError(name, value.length, `${asnWidth + 4}`);
  const asn = asnWidth === 4 ? readU32(value, 0) : readU16(value, 0);
  // RFC 7607 §2: AS 0 in an aggregator makes the attribute malformed (discarded).
  if (asn === 0) return { subcode: UpdateSubcode.optionalAttributeError, why: `${name} with AS 0` };
  return { asn, address: formatIpv4(value, asnWidth) };
}

/** The attributes this codec interprets, except MP_REACH_NLRI / MP_UNREACH_NLRI (see update-decode). */
export const ATTRIBUTE_SPECS: Record<number, AttributeSpec> = {
  [AttributeCode.origin]: {
    kind: WELL_KNOWN,
    handling: 'treat-as-withdraw', // RFC 7606 §7.1
    decode(value, _ctx, { attributes }) {
      if (value.length !== 1) return lengthError('ORIGIN', value.length, '1');
      const origin = ORIGINS[value[0]!];
      if (!origin) return { subcode: UpdateSubcode.invalidOrigin, why: `ORIGIN value ${value[0]}` };
      attributes.origin = origin;
      return undefined;
    },
  },
  [AttributeCode.asPath]: {
    kind: WELL_KNOWN,
    handling: 'treat-as-withdraw', // RFC 7606 §7.2
    decode(value, ctx, { attributes }) {
      const path = decodeAsPath(value, 0, value.length, ctx.fourOctetAs ? 4 : 2);
      if (typeof path === 'string') {
        return { subcode: UpdateSubcode.malformedAsPath, why: `AS_PATH: ${path}`, data: NONE };
      }
      attributes.asPath = path;
      return undefined;
    },
  },
  [AttributeCode.nextHop]: {
    kind: WELL_KNOWN,
    handling: 'treat-as-withdraw', // RFC 7606 §7.3
    decode(value, _ctx, { attributes }) {
      if (value.length !== 4) return lengthError('NEXT_HOP', value.length, '4');
      if (!isHostAddress(value)) {
        return { subcode: UpdateSubcode.invalidNextHop, why: `NEXT_HOP ${formatIpv4(value, 0)}` };
      }
      attributes.nextHop = formatIpv4(value, 0);
      return undefined;
    },
  },
  [AttributeCode.multiExitDisc]: {
    kind: OPTIONAL_NON_TRANSITIVE,
    handling: 'treat-as-withdraw', // RFC 7606 §7.4
    decode(value, _ctx, { attributes }) {
      if (value.length !== 4) return lengthError('MULTI_EXIT_DISC', value.length, '4');
      attributes.med = readU32(value, 0);
      return undefined;
    },
  },
  [AttributeCode.localPref]: {
    kind: WELL_KNOWN,
    handling: 'treat-as-withdraw', // RFC 7606 §7.5
    decode(value, ctx, { attributes }) {
      // RFC 4271 §5.1.5: from an external peer it is ignored, whatever its shape (RFC 7606 §7.5).
      if (ctx.ibgp === false) return undefined;
      if (value.length !== 4) return lengthError('LOCAL_PREF', value.length, '4');
      attributes.localPref = readU32(value, 0);
      return undefined;
    },
  },
  [AttributeCode.atomicAggregate]: {
    kind: WELL_KNOWN,
    handling: 'attribute-discard', // RFC 7606 §7.6
    decode(value, _ctx, { attributes }) {
      if (value.length !== 0) return lengthError('ATOMIC_AGGREGATE', value.length, '0');
      attributes.atomicAggregate = true;
      return undefined;
    },
  },
  [AttributeCode.aggregator]: {
    kind: OPTIONAL_TRANSITIVE,
    handling: 'attribute-discard', // RFC 7606 §7.7
    decode(value, ctx, { attributes }) {
      const aggregator = decodeAggregator(value, ctx.fourOctetAs ? 4 : 2, 'AGGREGATOR');
      if ('subcode' in aggregator) return aggregator;
      attributes.aggregator = aggregator;
      return undefined;
    },
  },
  [AttributeCode.communities]: {
    kind: OPTIONAL_TRANSITIVE,
    handling: 'treat-as-withdraw', // RFC 7606 §7.8
    decode(value, _ctx, { attributes }) {
      if (value.length === 0 || value.length % 4 !== 0) {
        return lengthError('COMMUNITIES', value.length, 'a non-zero multiple of 4');
      }
      const communities = new Array<number>(value.length / 4);
      for (let i = 0; i < communities.length; i++) communities[i] = readU32(value, i * 4);
      attributes.communities = communities;
      return undefined;
    },
  },
  [AttributeCode.originatorId]: {
    kind: OPTIONAL_NON_TRANSITIVE,
    handling: 'treat-as-withdraw', // RFC 7606 §7.9
    decode(value, _ctx, { attributes }) {
      if (value.length !== 4) return lengthError('ORIGINATOR_ID', value.length, '4');
      attributes.originatorId = formatIpv4(value, 0);
      return undefined;
    },
  },
  [AttributeCode.clusterList]: {
    kind: OPTIONAL_NON_TRANSITIVE,
    handling: 'treat-as-withdraw', // RFC 7606 §7.10
    decode(value, _ctx, { attributes }) {
      if (value.length === 0 || value.length % 4 !== 0) {
        return lengthError('CLUSTER_LIST', value.length, 'a non-zero multiple of 4');
      }
      const ids: string[] = [];
      for (let p = 0; p < value.length; p += 4) ids.push(formatIpv4(value, p));
      attributes.clusterList = ids;
      return undefined;
    },
  },
  [AttributeCode.as4Path]: {
    kind: OPTIONAL_TRANSITIVE,
    handling: 'attribute-discard', // RFC 6793 §6
    decode(value, ctx, state) {
      // RFC 6793 §4.1: between two NEW speakers it is not used; one received is discarded.
      if (ctx.fourOctetAs) return undefined;
      const path = decodeAsPath(value, 0, value.length, 4);
      if (typeof path === 'string')
        return { subcode: UpdateSubcode.malformedAsPath, why: `AS4_PATH: ${path}` };
      // RFC 6793 §6: confederation segments make AS4_PATH malformed.
      if (path.some((s) => s.kind !== 'sequence' && s.kind !== 'set')) {
        return { subcode: UpdateSubcode.malformedAsPath, why: 'AS4_PATH with a confederation segment' };
      }
      state.as4Path = path;
      return undefined;
    },
  },
  [AttributeCode.as4Aggregator]: {
    kind: OPTIONAL_TRANSITIVE,
    handling: 'attribute-discard', // RFC 6793 §6
    decode(value, ctx, state) {
      if (ctx.fourOctetAs) return undefined; // RFC 6793 §4.1, as AS4_PATH
      const aggregator = decodeAggregator(value, 4, 'AS4_AGGREGATOR');
      if ('subcode' in aggregator) return aggregator;
      state.as4Aggregator = aggregator;
      return undefined;
    },
  },
  [AttributeCode.largeCommunity]: {
    kind: OPTIONAL_TRANSITIVE,
    handling: 'treat-as-withdraw', // RFC 8092 §6
    decode(value, _ctx, { attributes }) {
      if (value.length === 0 || value.length % 12 !== 0) {
        return lengthError('LARGE_COMMUNITY', value.length, 'a non-zero multiple of 12');
      }
      const communities: [number, number, number][] = [];
      for (let p = 0; p < value.length; p += 12) {
        communities.push([readU32(value, p), readU32(value, p + 4), readU32(value, p + 8)]);
      }
      attributes.largeCommunities = communities;
      return undefined;
    },
  },
};
