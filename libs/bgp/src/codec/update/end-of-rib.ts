import type { AddressFamily, DecodeResult } from '../types';

/**
 * The family whose End-of-RIB marker (RFC 4724 §2) this decoded message is, or undefined. It takes
 * the whole DecodeResult because an UPDATE emptied by treat-as-withdraw looks the same as a marker
 * and is not one.
 */
export function isEndOfRib(decoded: DecodeResult): AddressFamily | undefined {
  const { message, errors } = decoded;
  if (message.type !== 'update' || message.withdrawn.length > 0 || message.nlri.length > 0) return undefined;
  if (errors.some((e) => e.handling !== 'attribute-discard')) return undefined;
  const present = Object.entries(message.attributes).filter(([, v]) => v !== undefined);
  if (present.length === 0) return { afi: 1, safi: 1 };
  const unreach = message.attributes.mpUnreach;
  if (present.length === 1 && unreach && unreach.withdrawn.length === 0)
    return { afi: unreach.afi, safi: unreach.safi };
  return undefined;
}
