import { UpdateSubcode } from '../error-codes';
import { type BgpDecodeError, badMessageLength, updateError } from '../errors';
import { decodePrefixes } from '../nlri/prefix-wire';
import { HEADER_LENGTH } from '../wire/header';
import { copyBytes } from '../wire/copy-bytes';
import { readU16 } from '../wire/integers';
import {
  AS_TRANS,
  type CodecContext,
  type DecodeResult,
  type ErrorHandling,
  type UpdateMessage,
} from '../types';
import { mergeAs4Path } from './as4-path';
import { AttributeCode, AttributeFlag, KIND_MASK, OPTIONAL_NON_TRANSITIVE } from './attribute-codes';
import { ATTRIBUTE_SPECS, type DecodeState } from './attribute-decoders';
import { decodeMpReach, decodeMpUnreach, supportedFamily } from './mp-attributes';
import { treatAsWithdraw } from './treat-as-withdraw';

/** RFC 4271 §4.3: header + Withdrawn Routes Length 2 + Total Path Attribute Length 2. */
export const UPDATE_MIN_LENGTH = HEADER_LENGTH + 4;

const SEVERITY: Record<ErrorHandling, number> = {
  'attribute-discard': 0,
  'treat-as-withdraw': 1,
  'afi-safi-disable': 2,
  'session-reset': 3,
};

/**
 * RFC 4271 §4.3 and §6.3 with the revised error handling of RFC 7606. `buf` is one whole message
 * whose header was checked. Session-reset errors are thrown; the others are returned with the
 * message corrected for them.
 */
export function decodeUpdate(buf: Uint8Array, ctx: CodecContext): DecodeResult {
  const length = buf.length;
  if (length < UPDATE_MIN_LENGTH) throw badMessageLength(length, `an UPDATE of ${length} bytes`);
  let p = HEADER_LENGTH;
  const withdrawnLength = readU16(buf, p);
  p += 2;
  // RFC 4271 §6.3: lengths that overrun the message are a Malformed Attribute List; without them the
  // NLRI cannot be found, so nothing but a session reset is possible (RFC 7606 §4).
  if (p + withdrawnLength + 2 > length) {
    throw updateError(
      UpdateSubcode.malformedAttributeList,
      'the withdrawn routes overrun the message',
      'session-reset',
    );
  }
  const withdrawn = decodePrefixes(1, buf, p, p + withdrawnLength);
  if (!withdrawn) throw invalidNetworkField('withdrawn routes');
  p += withdrawnLength;
  const attributesLength = readU16(buf, p);
  p += 2;
  if (p + attributesLength > length) {
    throw updateError(
      UpdateSubcode.malformedAttributeList,
      'the path attributes overrun the message',
      'session-reset',
    );
  }
  const attributesEnd = p + attributesLength;
  const nlri = decodePrefixes(1, buf, attributesEnd, length);
  if (!nlri) throw invalidNetworkField('NLRI');

  const state: DecodeState = { attributes: {} };
  const errors: BgpDecodeError[] = [];
  const present = decodeAttributes(buf, p, attributesEnd, ctx, state, errors);
  if (!ctx.fourOctetAs) applyAs4(state);

  const message: UpdateMessage = { type: 'update', withdrawn, attributes: state.attributes, nlri };
  checkMandatory(message, present, errors);
  if (errors.some((e) => e.handling === 'treat-as-withdraw')) treatAsWithdraw(message);
  errors.sort((a, b) => SEVERITY[b.handling] - SEVERITY[a.handling]);
  return { message, errors };
}

function invalidNetworkField(field: string): BgpDecodeError {
  // RFC 7606 §5.3: an NLRI field that is not a whole number of valid prefixes resets the session.
  return updateError(UpdateSubcode.invalidNetworkField, `the ${field} field is malformed`, 'session-reset');
}

/**
 * Walks the path attributes in `buf[start, end)`; returns which type codes were present. Fills
 * `state` and pushes every handled error; throws those that reset the session.
 */
function decodeAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: CodecContext,
  state: DecodeState,
  errors: BgpDecodeError[],
): Uint8Array {
  const present = new Uint8Array(256);
  let p = start;
  while (p < end) {
    // RFC 7606 §4: too few octets for an attribute header, or an attribute that overruns the path
    // attributes: treat-as-withdraw, with the NLRI located by the Total Path Attribute Length.
    const flags = buf[p]!;
    const headerLength = flags & AttributeFlag.extendedLength ? 4 : 3;
    if (end - p < headerLength) {
      errors.push(attributeListError('an attribute header is truncated'));
      break;
    }
    const code = buf[p + 1]!;
    const valueLength = headerLength === 4 ? readU16(buf, p + 2) : buf[p + 2]!;
    const valueStart = p + headerLength;
    const valueEnd = valueStart + valueLength;
    if (valueEnd > end) {
      // An MP attribute's NLRI are unknown when it overruns: they cannot be withdrawn (RFC 7606 §7.11).
      if (code === AttributeCode.mpReachNlri || code === AttributeCode.mpUnreachNlri) {
        throw updateError(
          UpdateSubcode.malformedAttributeList,
          `MP attribute ${code} overruns`,
          'session-reset',
        );
      }
      errors.push(attributeListError(`attribute ${code} overruns the path attributes`));
      break;
    }
    const raw = buf.subarray(p, valueEnd);
    const value = buf.subarray(valueStart, valueEnd);
    p = valueEnd;
    if (present[code]) {
      // RFC 7606 §3.g: a repeated MP attribute resets the session; any other repeat is dropped.
      if (code === AttributeCode.mpReachNlri || code === AttributeCode.mpUnreachNlri) {
        throw updateError(
          UpdateSubcode.malformedAttributeList,
          `MP attribute ${code} appears twice`,
          'session-reset',
        );
      }
      errors.push(
        updateError(
          UpdateSubcode.malformedAttributeList,
          `attribute ${code} appears twice`,
          'attribute-discard',
        ),
      );
      continue;
    }
    present[code] = 1;
    if (code === AttributeCode.mpReachNlri || code === AttributeCode.mpUnreachNlri) {
      decodeMp(code, flags, raw, value, state, errors);
      continue;
    }
    const spec = ATTRIBUTE_SPECS[code];
    if (!spec) {
      keepUnknown(code, flags, raw, value, state);
      continue;
    }
    if ((flags & KIND_MASK) !== spec.kind) {
      // RFC 7606 §3.c: conflicting Optional/Transitive bits make the attribute malformed.
      errors.push(
        updateError(
          UpdateSubcode.attributeFlagsError,
          `attribute ${code} flags 0x${flags.toString(16)}`,
          spec.handling,
          copyBytes(raw),
        ),
      );
      continue;
    }
    const fault = spec.decode(value, ctx, state);
    if (fault)
      errors.push(updateError(fault.subcode, fault.why, spec.handling, fault.data ?? copyBytes(raw)));
  }
  return present;
}

function attributeListError(why: string): BgpDecodeError {
  return updateError(UpdateSubcode.malformedAttributeList, why, 'treat-as-withdraw');
}

function keepUnknown(
  code: number,
  flags: number,
  raw: Uint8Array,
  value: Uint8Array,
  state: DecodeState,
): void {
  // RFC 4271 §6.3: a well-known attribute we do not know is an error the session cannot survive.
  if (!(flags & AttributeFlag.optional)) {
    throw updateError(
      UpdateSubcode.unrecognizedWellKnownAttribute,
      `well-known attribute ${code} is not recognized`,
      'session-reset',
      copyBytes(raw),
    );
  }
  (state.attributes.unknown ??= []).push({
    flags: flags & ~AttributeFlag.extendedLength,
    code,
    value: copyBytes(value),
  });
}

/**
 * RFC 4760 §3/§4 with RFC 7606 §7.11: when AFI/SAFI can be read, a malformed MP attribute disables
 * that family (the caller may reset instead); when they cannot, the session is reset. The
 * NOTIFICATION is an Optional Attribute Error (RFC 4760 §7).
 */
function decodeMp(
  code: number,
  flags: number,
  raw: Uint8Array,
  value: Uint8Array,
  state: DecodeState,
  errors: BgpDecodeError[],
): void {
  const name = code === AttributeCode.mpReachNlri ? 'MP_REACH_NLRI' : 'MP_UNREACH_NLRI';
  if (value.length < 3) {
    throw updateError(
      UpdateSubcode.optionalAttributeError,
      `${name} too short for AFI/SAFI`,
      'session-reset',
      copyBytes(raw),
    );
  }
  if ((flags & KIND_MASK) !== OPTIONAL_NON_TRANSITIVE) {
    const why = `${name} flags 0x${flags.toString(16)}`;
    errors.push(updateError(UpdateSubcode.attributeFlagsError, why, 'afi-safi-disable', copyBytes(raw)));
    return;
  }
  if (!supportedFamily(readU16(value, 0), value[2]!)) {
    keepUnknown(code, flags, raw, value, state);
    return;
  }
  const decoded = code === AttributeCode.mpReachNlri ? decodeMpReach(value) : decodeMpUnreach(value);
  if ('fault' in decoded) {
    errors.push(
      updateError(
        UpdateSubcode.optionalAttributeError,
        `${name}: ${decoded.fault}`,
        'afi-safi-disable',
        copyBytes(raw),
      ),
    );
  } else if ('nextHops' in decoded.ok) {
    state.attributes.mpReach = decoded.ok;
  } else {
    state.attributes.mpUnreach = decoded.ok;
  }
}

/**
 * RFC 6793 §4.2.3 on a 2-octet session: an AGGREGATOR that is not AS_TRANS was set by an OLD speaker
 * after the NEW one that wrote AS4_AGGREGATOR / AS4_PATH, so both are stale and ignored; otherwise
 * AS4_AGGREGATOR replaces AGGREGATOR and AS4_PATH is merged into AS_PATH.
 */
function applyAs4(state: DecodeState): void {
  const { attributes } = state;
  if (attributes.aggregator && attributes.aggregator.asn !== AS_TRANS) return;
  if (attributes.aggregator && state.as4Aggregator) attributes.aggregator = state.as4Aggregator;
  if (attributes.asPath && state.as4Path) attributes.asPath = mergeAs4Path(attributes.asPath, state.as4Path);
}

/**
 * RFC 4271 §6.3 with RFC 7606 §3.d: ORIGIN and AS_PATH are needed by any route, NEXT_HOP by routes
 * in the NLRI field (RFC 4760 §3 moved the IPv6 next hop into MP_REACH_NLRI). A missing one makes
 * the UPDATE treat-as-withdraw; without NLRI there is nothing to miss (End-of-RIB, withdrawals).
 */
function checkMandatory(message: UpdateMessage, present: Uint8Array, errors: BgpDecodeError[]): void {
  const mpNlri = message.attributes.mpReach?.nlri.length ?? 0;
  if (message.nlri.length === 0 && mpNlri === 0) return;
  const required: number[] = [AttributeCode.origin, AttributeCode.asPath];
  if (message.nlri.length > 0) required.push(AttributeCode.nextHop);
  for (const code of required) {
    if (!present[code]) {
      errors.push(
        updateError(
          UpdateSubcode.missingWellKnownAttribute,
          `well-known attribute ${code} is missing`,
          'treat-as-withdraw',
          new Uint8Array([code]),
        ),
      );
    }
  }
}
