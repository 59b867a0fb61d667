import type { Random } from './random';

// Mutations of a message, from blind (bit flips) to structure-aware (length fields, attribute
// shuffles) so that the fuzzer reaches the deep checks and not only the header ones. Every read
// here is bounds-checked: a mutation never throws, whatever it is given.

const INTERESTING = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x0f, 0x10, 0x1f, 0x20, 0x21, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xc0, 0xfe, 0xff,
];

function u16(buf: Uint8Array, at: number): number {
  return at + 1 < buf.length ? (buf[at]! << 8) | buf[at + 1]! : 0;
}

/** A path attribute of an UPDATE: where it starts and ends, and where its length field is. */
interface AttributeSpan {
  start: number;
  end: number;
  lengthAt: number;
  lengthWidth: 1 | 2;
}

/** The offsets of the UPDATE's length fields and its attributes, as far as they can be found. */
function updateLayout(buf: Uint8Array) {
  if (buf.length < 23 || buf[18] !== 2) return undefined;
  const withdrawnLength = u16(buf, 19);
  const attributesLengthAt = 21 + withdrawnLength;
  if (attributesLengthAt + 2 > buf.length) return undefined;
  const attributesStart = attributesLengthAt + 2;
  const attributesEnd = Math.min(buf.length, attributesStart + u16(buf, attributesLengthAt));
  const attributes: AttributeSpan[] = [];
  let p = attributesStart;
  while (p + 3 <= attributesEnd) {
    const extended = (buf[p]! & 0x10) !== 0;
    if (extended && p + 4 > attributesEnd) break;
    const length = extended ? u16(buf, p + 2) : buf[p + 2]!;
    const end = p + (extended ? 4 : 3) + length;
    if (end > attributesEnd) break;
    attributes.push({ start: p, end, lengthAt: p + 2, lengthWidth: extended ? 2 : 1 });
    p = end;
  }
  return { attributesLengthAt, attributesStart, attributesEnd, attributes };
}

function setU16(buf: Uint8Array, at: number, value: number): void {
  if (at + 1 >= buf.length) return;
  buf[at] = (value >> 8) & 0xff;
  buf[at + 1] = value & 0xff;
}

function tamperedLength(rng: Random, old: number, max: number): number {
  switch (rng.below(5)) {
    case 0:
      return old + 1;
    case 1:
      return Math.max(0, old - 1);
    case 2:
      return 0;
    case 3:
      return max;
    default:
      return rng.below(max + 1);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Re-assembles an UPDATE with a different list of attributes, fixing the Total Path Attribute Length. */
function withAttributes(
  buf: Uint8Array,
  layout: NonNullable<ReturnType<typeof updateLayout>>,
  attrs: Uint8Array[],
) {
  const body = concat(...attrs);
  const out = concat(buf.subarray(0, layout.attributesStart), body, buf.subarray(layout.attributesEnd));
  setU16(out, layout.attributesLengthAt, body.length);
  return out;
}

function mutateOnce(rng: Random, input: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const buf = Uint8Array.from(input);
  // Positions favour the body: the header checks are few and quickly covered.
  const at = () =>
    buf.length > 19 && rng.chance(0.85)
      ? 19 + rng.below(buf.length - 19)
      : rng.below(Math.max(1, buf.length));
  switch (rng.below(10)) {
    case 0: // bit flips
      for (let n = 1 + rng.below(4); n > 0 && buf.length > 0; n--) buf[at()]! ^= 1 << rng.below(8);
      return buf;
    case 1: // interesting byte values, favouring the body over the marker
      if (buf.length > 0)
        buf[buf.length > 19 && rng.chance(0.9) ? 16 + rng.below(buf.length - 16) : at()] =
          rng.pick(INTERESTING);
      return buf;
    case 2: {
      const where = at();
      return concat(buf.subarray(0, where), rng.bytes(1 + rng.below(8)), buf.subarray(where));
    }
    case 3: {
      const where = at();
      return concat(buf.subarray(0, where), buf.subarray(Math.min(buf.length, where + 1 + rng.below(8))));
    }
    case 4: // truncation
      return buf.subarray(0, rng.below(buf.length + 1));
    case 5: {
      // a length field: header, withdrawn routes, total path attributes, an attribute's, OPEN's
      const layout = updateLayout(buf);
      const fields: [number, 1 | 2][] = [[16, 2]];
      if (layout) {
        fields.push([19, 2], [layout.attributesLengthAt, 2]);
        for (const a of layout.attributes) fields.push([a.lengthAt, a.lengthWidth]);
      }
      if (buf[18] === 1) fields.push([28, 1], [30, 1], [32, 1]);
      const [where, width] = rng.pick(fields);
      if (where + width > buf.length) return buf;
      if (width === 1) buf[where] = tamperedLength(rng, buf[where]!, 255);
      else setU16(buf, where, tamperedLength(rng, u16(buf, where), 0xffff));
      return buf;
    }
    case 6: {
      // attribute shuffles: reorder, repeat one, drop one, or change one's flags or type
      const layout = updateLayout(buf);
      if (!layout || layout.attributes.length === 0) return buf;
      const attrs = layout.attributes.map((a) => Uint8Array.from(buf.subarray(a.start, a.end)));
      const i = rng.below(attrs.length);
      switch (rng.below(5)) {
        case 0:
          for (let k = attrs.length - 1; k > 0; k--) {
            const j = rng.below(k + 1);
            [attrs[k], attrs[j]] = [attrs[j]!, attrs[k]!];
          }
          break;
        case 1:
          attrs.splice(rng.below(attrs.length + 1), 0, attrs[i]!);
          break;
        case 2:
          attrs.splice(i, 1);
          break;
        case 3:
          attrs[i]![0] = rng.pick([0x00, 0x40, 0x80, 0xc0, 0x50, 0x90, 0xd0, 0xe0]) | (attrs[i]![0]! & 0x10);
          break;
        default:
          attrs[i]![1] = rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 17, 18, 32, 99, 255]);
      }
      return withAttributes(buf, layout, attrs);
    }
    case 7: {
      // splice: the head of this message and the tail of another
      const other = others.length > 0 ? rng.pick(others) : buf;
      return concat(buf.subarray(0, at()), other.subarray(rng.below(other.length + 1)));
    }
    case 8: // the message type
      if (buf.length > 18) buf[18] = rng.chance(0.8) ? 1 + rng.below(5) : rng.below(256);
      return buf;
    default: {
      // a run of random bytes over the body
      const where = Math.min(buf.length, 19 + rng.below(Math.max(1, buf.length - 19)));
      buf.set(rng.bytes(Math.min(buf.length - where, 1 + rng.below(6))), where);
      return buf;
    }
  }
}

/**
 * One to three mutations of `input`; most of the time the header length is then set to the real
 * length (and the marker kept), so the decoder gets past the header checks.
 */
export function mutate(rng: Random, input: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  let buf = input;
  for (let n = 1 + rng.below(3); n > 0; n--) buf = mutateOnce(rng, buf, others);
  if (buf.length >= 19 && buf.length <= 0xffff && rng.chance(0.9)) {
    buf = Uint8Array.from(buf);
    if (rng.chance(0.95)) buf.fill(0xff, 0, 16);
    setU16(buf, 16, buf.length);
  }
  return buf;
}
