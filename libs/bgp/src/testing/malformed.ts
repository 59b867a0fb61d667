// Messages that break the rules, written byte by byte so each test shows exactly what is wrong.
// The comment on each field says what it is; the one marked ✗ is the fault.

const MARKER = new Array<number>(16).fill(0xff);

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

/** An UPDATE around the given body (withdrawn routes, path attributes, NLRI), length computed. */
function update(body: number[]): Uint8Array {
  return Uint8Array.from([...MARKER, ...u16(19 + body.length), 2, ...body]);
}

/** ORIGIN IGP, empty AS_PATH, NEXT_HOP 192.0.2.1: a correct iBGP attribute set (11 + 3 + 7 bytes). */
const GOOD_ATTRIBUTES = [
  ...[0x40, 1, 1, 0], // ORIGIN: well-known transitive, type 1, length 1, IGP
  ...[0x40, 2, 0], // AS_PATH: well-known transitive, type 2, length 0 (iBGP, RFC 4271 §5.1.2)
  ...[0x40, 3, 4, 192, 0, 2, 1], // NEXT_HOP: type 3, length 4, 192.0.2.1
];

/** 10.1.0.0/26 in the NLRI field: length 26 bits, then 4 octets. */
const NLRI_10_1_0_0_26 = [26, 10, 1, 0, 0];

export const malformed = {
  /** RFC 4271 §6.1 → 1/1 Connection Not Synchronized. */
  badMarker(): Uint8Array {
    return Uint8Array.from([
      0xfe, // ✗ first marker octet is not 0xff
      ...MARKER.slice(1),
      ...u16(19), // length
      4, // KEEPALIVE
    ]);
  },

  /** RFC 4271 §6.1 → 1/2 Bad Message Length, data = the length field. */
  badLength(): Uint8Array {
    return Uint8Array.from([
      ...MARKER,
      ...u16(18), // ✗ shorter than the 19-octet header itself
      4, // KEEPALIVE
    ]);
  },

  /** RFC 4271 §6.1 → 1/3 Bad Message Type, data = the type. */
  unknownType(type = 9): Uint8Array {
    return Uint8Array.from([...MARKER, ...u16(19), type /* ✗ no such message type */]);
  },

  /** A correct UPDATE announcing 10.1.0.0/26 via 192.0.2.1, to set up a withdrawal. */
  announce(): Uint8Array {
    return update([
      ...u16(0), // withdrawn routes length
      ...u16(GOOD_ATTRIBUTES.length), // total path attribute length
      ...GOOD_ATTRIBUTES,
      ...NLRI_10_1_0_0_26,
    ]);
  },

  /**
   * RFC 7606 §3.c and §7.1: ORIGIN with the Optional bit set is malformed → treat-as-withdraw,
   * no NOTIFICATION; 10.1.0.0/26 counts as withdrawn.
   */
  badOriginFlags(): Uint8Array {
    const attributes = [
      ...[0xc0, 1, 1, 0], // ✗ ORIGIN flagged optional transitive (0xc0); it is well-known (0x40)
      ...GOOD_ATTRIBUTES.slice(4),
    ];
    return update([...u16(0), ...u16(attributes.length), ...attributes, ...NLRI_10_1_0_0_26]);
  },

  /**
   * RFC 7606 §7.11 / RFC 4760 §7: MP_UNREACH_NLRI flagged well-known. AFI/SAFI disable, or
   * session reset, which this speaker does → 3/4 Attribute Flags Error.
   */
  badMpUnreachFlags(): Uint8Array {
    const attributes = [
      0x40, // ✗ flags: well-known transitive; MP_UNREACH_NLRI is optional non-transitive (0x80)
      15, // type: MP_UNREACH_NLRI
      3, // length
      ...u16(2), // AFI IPv6
      1, // SAFI unicast
    ];
    return update([...u16(0), ...u16(attributes.length), ...attributes]);
  },

  /**
   * RFC 7606 §3.d: ORIGIN missing from an UPDATE with NLRI → treat-as-withdraw, no NOTIFICATION
   * (RFC 4271 §6.3 said 3/3; RFC 7606 revised it).
   */
  missingOrigin(): Uint8Array {
    const attributes = GOOD_ATTRIBUTES.slice(4); // ✗ AS_PATH and NEXT_HOP only
    return update([...u16(0), ...u16(attributes.length), ...attributes, ...NLRI_10_1_0_0_26]);
  },

  /** RFC 4271 §6.3 and RFC 7606 §5.3: NLRI that cannot be parsed → 3/10 Invalid Network Field. */
  truncatedNlri(): Uint8Array {
    return update([
      ...u16(0),
      ...u16(GOOD_ATTRIBUTES.length),
      ...GOOD_ATTRIBUTES,
      26, // prefix length 26 needs 4 octets …
      10,
      1, // ✗ … only 2 follow before the message ends
    ]);
  },

  /** RFC 4271 §6.3: a well-known attribute we cannot know → 3/2, data = the attribute. */
  unrecognizedWellKnown(): Uint8Array {
    const attributes = [...GOOD_ATTRIBUTES, 0x40, 99, 1, 0]; // ✗ type 99 flagged well-known
    return update([...u16(0), ...u16(attributes.length), ...attributes, ...NLRI_10_1_0_0_26]);
  },

  /** RFC 4271 §6.2: "MUST reject Hold Time values of one or two seconds" → 2/6. */
  openWithHoldTime(holdTimeSeconds: number, asn: number, bgpIdentifier: string): Uint8Array {
    const id = bgpIdentifier.split('.').map(Number);
    const capabilities = [
      ...[65, 4, (asn >>> 24) & 0xff, (asn >>> 16) & 0xff, (asn >>> 8) & 0xff, asn & 0xff], // four-octet AS
    ];
    const parameters = [2, capabilities.length, ...capabilities]; // one Capabilities parameter
    const body = [
      4, // version
      ...u16(asn > 0xffff ? 23456 : asn), // My AS
      ...u16(holdTimeSeconds), // ✗ when 1 or 2
      ...id, // BGP Identifier
      parameters.length, // Optional Parameters Length
      ...parameters,
    ];
    return Uint8Array.from([...MARKER, ...u16(19 + body.length), 1, ...body]);
  },
};
