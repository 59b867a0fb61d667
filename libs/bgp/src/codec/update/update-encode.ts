import { ByteWriter } from '../wire/byte-writer';
import { MessageType, finishMessage, startMessage } from '../wire/header';
import type { CodecContext, UpdateMessage } from '../types';
import { AttributeCode, OPTIONAL_NON_TRANSITIVE } from './attribute-codes';
import { encodeAttributeSet, writeAttribute } from './attribute-encode';
import { encodeMpReach, encodeMpUnreach, encodePrefixList } from './mp-attributes';

/**
 * RFC 4271 §4.3. MP_REACH_NLRI and MP_UNREACH_NLRI come first (RFC 7606 §5.1: a receiver that
 * meets an error later still knows which routes to withdraw), then the others in type order.
 */
export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext, out: ByteWriter): void {
  const start = startMessage(out, MessageType.update);
  const withdrawnAt = out.length;
  out.u16(0);
  encodePrefixList(1, msg.withdrawn, out);
  out.patchU16(withdrawnAt, out.length - withdrawnAt - 2);

  const attributesAt = out.length;
  out.u16(0);
  const { mpReach, mpUnreach } = msg.attributes;
  const unknownCodes = new Set((msg.attributes.unknown ?? []).map((u) => u.code));
  if (mpReach) {
    if (unknownCodes.has(AttributeCode.mpReachNlri)) throw new Error('MP_REACH_NLRI would be sent twice');
    const value = new ByteWriter();
    encodeMpReach(mpReach, value);
    writeAttribute(out, OPTIONAL_NON_TRANSITIVE, AttributeCode.mpReachNlri, value.toBuffer());
  }
  if (mpUnreach) {
    if (unknownCodes.has(AttributeCode.mpUnreachNlri)) throw new Error('MP_UNREACH_NLRI would be sent twice');
    const value = new ByteWriter();
    encodeMpUnreach(mpUnreach, value);
    writeAttribute(out, OPTIONAL_NON_TRANSITIVE, AttributeCode.mpUnreachNlri, value.toBuffer());
  }
  out.bytes(encodeAttributeSet(msg.attributes, ctx));
  out.patchU16(attributesAt, out.length - attributesAt - 2);

  encodePrefixList(1, msg.nlri, out);
  finishMessage(out, start);
}
