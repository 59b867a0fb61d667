import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../message/message';
import { hex } from '../testing/hex';
import { sessionResetError, summary } from '../testing/decode-failure';
import type { CodecContext, DecodeResult, UpdateMessage } from '../types';

const AS4: CodecContext = { fourOctetAs: true };
const AS2: CodecContext = { fourOctetAs: false };

/** An UPDATE: marker, the length computed from `body`, type 2, then `body` (annotated hex). */
function update(body: string): Uint8Array {
  const b = hex(body);
  const length = 19 + b.length;
  return new Uint8Array([...new Uint8Array(16).fill(0xff), length >> 8, length & 0xff, 2, ...b]);
}

function handled(result: DecodeResult) {
  return result.errors.map(summary);
}

// Attributes that most cases share (4-octet AS session unless said otherwise).
const ORIGIN = `40 01 01 00             # ORIGIN (well-known transitive), length 1: IGP\n`;
const AS_PATH = `40 02 06 02 01 0000fde9 # AS_PATH, length 6: AS_SEQUENCE of 1 ASN, 65001\n`;
const NEXT_HOP = `40 03 04 c0000201       # NEXT_HOP, length 4: 192.0.2.1\n`;
const MANDATORY = ORIGIN + AS_PATH + NEXT_HOP; // 20 bytes
const NLRI = `18 c63364                # NLRI: 198.51.100.0/24\n`;

describe('UPDATE from real bytes', () => {
  it('decodes a GoBGP style iBGP announcement and encodes it back to the same bytes', () => {
    const bytes = hex`
      ffffffffffffffffffffffffffffffff  # marker
      0041                              # length 65
      02                                # type UPDATE
      0000                              # withdrawn routes length 0
      001c                              # total path attribute length 28
      40 01 01 00                       # ORIGIN IGP
      40 02 00                          # AS_PATH empty: a route of our own AS (iBGP)
      40 03 04 c0000201                 # NEXT_HOP 192.0.2.1
      40 05 04 00000064                 # LOCAL_PREF 100
      c0 08 04 fbff0001                 # COMMUNITIES 64511:1
      1a 0a000000                       # NLRI 10.0.0.0/26
      1a 0a000040                       # NLRI 10.0.0.64/26
      18 c63364                         # NLRI 198.51.100.0/24
    `;
    const message: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: 'igp',
        asPath: [],
        nextHop: '192.0.2.1',
        localPref: 100,
        communities: [0xfbff0001],
      },
      nlri: ['10.0.0.0/26', '10.0.0.64/26', '198.51.100.0/24'],
    };
    expect(decodeMessage(bytes, AS4)).toEqual({ message, errors: [] });
    expect(encodeMessage(message, AS4)).toEqual(Buffer.from(bytes));
  });

  it('merges AS4_PATH and AS4_AGGREGATOR from an OLD speaker on a 2-octet session (RFC 6793 §4.2.3)', () => {
    const bytes = hex`
      ffffffffffffffffffffffffffffffff 0058 02  # header, length 88, UPDATE
      0000                                      # no withdrawn routes
      003d                                      # path attributes: 61 bytes
      40 01 01 00                               # ORIGIN IGP
      40 02 0a 02 04 fde9 5ba0 5ba0 fdea        # AS_PATH: SEQUENCE 65001 AS_TRANS AS_TRANS 65002
      c0 11 0e 02 03 fa56ea00 fa56ea01 0000fdea # AS4_PATH: SEQUENCE 4200000000 4200000001 65002
      40 03 04 cb007101                         # NEXT_HOP 203.0.113.1
      c0 07 06 5ba0 c0000209                    # AGGREGATOR AS_TRANS, 192.0.2.9
      c0 12 08 fa56ea01 c0000209                # AS4_AGGREGATOR 4200000001, 192.0.2.9
      18 cb0071                                 # NLRI 203.0.113.0/24
    `;
    // 65001 was prepended by the OLD speaker after the AS4_PATH was written: it comes first.
    expect(decodeMessage(bytes, AS2)).toEqual({
      message: {
        type: 'update',
        withdrawn: [],
        attributes: {
          origin: 'igp',
          asPath: [{ kind: 'sequence', asns: [65001, 4200000000, 4200000001, 65002] }],
          nextHop: '203.0.113.1',
          aggregator: { asn: 4200000001, address: '192.0.2.9' },
        },
        nlri: ['203.0.113.0/24'],
      },
      errors: [],
    });
  });

  it('decodes a BIRD style IPv6 announcement with a global and a link-local next hop', () => {
    const bytes = hex`
      ffffffffffffffffffffffffffffffff 005d 02  # header, length 93, UPDATE
      0000                                      # no withdrawn routes
      0046                                      # path attributes: 70 bytes
      90 0e 0035                                # MP_REACH_NLRI (optional, extended length) 53 bytes
        0002 01                                 #   AFI 2 IPv6, SAFI 1 unicast
        20                                      #   next hop length 32: global + link-local (RFC 2545)
        20010db8000000000000000000000001        #   2001:db8::1
        fe800000000000000000000000000001        #   fe80::1
        00                                      #   reserved
        30 20010db80001                         #   2001:db8:1::/48
        40 20010db800020000                     #   2001:db8:2::/64
      40 01 01 00                               # ORIGIN IGP
      40 02 06 02 01 0000fbff                   # AS_PATH: SEQUENCE 64511
    `;
    expect(decodeMessage(bytes, AS4)).toEqual({
      message: {
        type: 'update',
        withdrawn: [],
        attributes: {
          mpReach: {
            afi: 2,
            safi: 1,
            nextHops: ['2001:db8::1', 'fe80::1'],
            nlri: ['2001:db8:1::/48', '2001:db8:2::/64'],
          },
          origin: 'igp',
          asPath: [{ kind: 'sequence', asns: [64511] }],
        },
        nlri: [],
      },
      errors: [],
    });
  });

  it('decodes the End-of-RIB markers of both families (RFC 4724 §2)', () => {
    const ipv4 = hex`ffffffffffffffffffffffffffffffff 0017 02  # header, length 23, UPDATE
      0000 0000                                 # nothing withdrawn, no attributes, no NLRI`;
    const ipv6 = hex`ffffffffffffffffffffffffffffffff 001d 02  # header, length 29, UPDATE
      0000 0006                                 # nothing withdrawn; 6 bytes of attributes
      80 0f 03 0002 01                          # MP_UNREACH_NLRI IPv6 unicast, no withdrawn routes`;
    expect(decodeMessage(ipv4, AS4).message).toEqual({
      type: 'update',
      withdrawn: [],
      attributes: {},
      nlri: [],
    });
    expect(decodeMessage(ipv6, AS4).message).toEqual({
      type: 'update',
      withdrawn: [],
      attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } },
      nlri: [],
    });
  });
});

describe('UPDATE errors that reset the session', () => {
  it.each([
    [
      'a withdrawn routes length beyond the message: 3/1',
      update(`0010      # withdrawn routes length 16
              18 0a0000 # only 4 bytes of them
              0000      # path attributes length`),
      { code: 3, subcode: 1, handling: 'session-reset', data: '' },
    ],
    [
      'a total path attribute length beyond the message: 3/1',
      update(`0000      # no withdrawn routes
              0020      # path attributes: 32 bytes, but 4 follow
              ${ORIGIN}`),
      { code: 3, subcode: 1, handling: 'session-reset', data: '' },
    ],
    [
      'a truncated NLRI: 3/10 (RFC 7606 §5.3)',
      update(`0000 0014 ${MANDATORY}
              18 c633   # NLRI: a /24 with 2 of its 3 octets`),
      { code: 3, subcode: 10, handling: 'session-reset', data: '' },
    ],
    [
      'an NLRI of prefix length 33: 3/10',
      update(`0000 0014 ${MANDATORY}
              21 c633640100 # NLRI: length 33`),
      { code: 3, subcode: 10, handling: 'session-reset', data: '' },
    ],
    [
      'a withdrawn route of prefix length 33: 3/10',
      update(`0006          # withdrawn routes length 6
              21 c0000201 00 # prefix length 33
              0000`),
      { code: 3, subcode: 10, handling: 'session-reset', data: '' },
    ],
    [
      'MP_UNREACH_NLRI twice: 3/1 (RFC 7606 §3.g)',
      update(`0000 000c
              80 0f 03 0002 01 # MP_UNREACH_NLRI IPv6 unicast
              80 0f 03 0002 01 # ... again`),
      { code: 3, subcode: 1, handling: 'session-reset', data: '' },
    ],
    [
      'MP_REACH_NLRI too short for AFI and SAFI: 3/9 (RFC 7606 §7.11)',
      update(`0000 0005
              80 0e 02 0002 # MP_REACH_NLRI of 2 bytes: AFI only`),
      { code: 3, subcode: 9, handling: 'session-reset', data: '800e020002' },
    ],
    [
      'MP_REACH_NLRI overrunning the path attributes: 3/1',
      update(`0000 0006
              80 0e 20 0002 01 # MP_REACH_NLRI claims 32 bytes, 3 follow`),
      { code: 3, subcode: 1, handling: 'session-reset', data: '' },
    ],
    [
      'an unrecognized well-known attribute: 3/2 with the attribute',
      update(`0000 0018 ${MANDATORY}
              40 63 01 00 # type 99, flagged well-known`),
      { code: 3, subcode: 2, handling: 'session-reset', data: '40630100' },
    ],
  ])('%s', (_what, bytes, expected) => {
    expect(summary(sessionResetError(bytes, AS4))).toEqual(expected);
  });
});

describe('UPDATE errors handled in place (RFC 7606)', () => {
  const withdrawnOnly = { type: 'update', withdrawn: ['198.51.100.0/24'], attributes: {}, nlri: [] };

  it.each([
    [
      'ORIGIN flagged optional: 3/4 with the attribute, treat-as-withdraw (§3.c)',
      update(`0000 0014
              c0 01 01 00 # ORIGIN with the Optional bit set
              ${AS_PATH}${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 4, handling: 'treat-as-withdraw', data: 'c0010100' }],
    ],
    [
      'ORIGIN value 3: 3/6 (§7.1)',
      update(`0000 0014
              40 01 01 03 # ORIGIN 3: undefined
              ${AS_PATH}${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 6, handling: 'treat-as-withdraw', data: '40010103' }],
    ],
    [
      'an attribute overrunning the path attributes: 3/1 (§4)',
      update(`0000 0014 ${ORIGIN}${AS_PATH}
              40 03 08 c0000201 # NEXT_HOP claims 8 bytes, 4 are left
              ${NLRI}`),
      [
        { code: 3, subcode: 1, handling: 'treat-as-withdraw', data: '' },
        // The NEXT_HOP that overran was never read: it is missing as well.
        { code: 3, subcode: 3, handling: 'treat-as-withdraw', data: '03' },
      ],
    ],
    [
      'too few bytes left for an attribute header: 3/1 (§4)',
      update(`0000 000f ${ORIGIN}${AS_PATH}
              40 03     # 2 bytes: a header needs 3
              ${NLRI}`),
      [
        { code: 3, subcode: 1, handling: 'treat-as-withdraw', data: '' },
        { code: 3, subcode: 3, handling: 'treat-as-withdraw', data: '03' },
      ],
    ],
    [
      'ORIGIN missing: 3/3 with its type code (§3.d)',
      update(`0000 0010 ${AS_PATH}${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 3, handling: 'treat-as-withdraw', data: '01' }],
    ],
    [
      'AS_PATH missing: 3/3',
      update(`0000 000b ${ORIGIN}${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 3, handling: 'treat-as-withdraw', data: '02' }],
    ],
    [
      'NEXT_HOP missing with NLRI: 3/3',
      update(`0000 000d ${ORIGIN}${AS_PATH}${NLRI}`),
      [{ code: 3, subcode: 3, handling: 'treat-as-withdraw', data: '03' }],
    ],
    [
      'COMMUNITIES of length 6: 3/5 (§7.8)',
      update(`0000 001d ${MANDATORY}
              c0 08 06 fde80001 0001 # COMMUNITIES, 6 bytes: not a multiple of 4
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: 'c00806fde800010001' }],
    ],
    [
      'LARGE_COMMUNITY of length 8: 3/5 (RFC 8092 §6)',
      update(`0000 001f ${MANDATORY}
              c0 20 08 0000fde9 00000001 # LARGE_COMMUNITY, 8 bytes: not a multiple of 12
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: 'c020080000fde900000001' }],
    ],
    [
      'NEXT_HOP 0.0.0.0: 3/8 (§7.3)',
      update(`0000 0014 ${ORIGIN}${AS_PATH}
              40 03 04 00000000 # NEXT_HOP 0.0.0.0: not a host address
              ${NLRI}`),
      [{ code: 3, subcode: 8, handling: 'treat-as-withdraw', data: '40030400000000' }],
    ],
    [
      'NEXT_HOP 224.0.0.1 (multicast): 3/8',
      update(`0000 0014 ${ORIGIN}${AS_PATH}
              40 03 04 e0000001 # NEXT_HOP 224.0.0.1
              ${NLRI}`),
      [{ code: 3, subcode: 8, handling: 'treat-as-withdraw', data: '400304e0000001' }],
    ],
    [
      'NEXT_HOP of length 5: 3/5',
      update(`0000 0015 ${ORIGIN}${AS_PATH}
              40 03 05 c000020101 # NEXT_HOP, 5 bytes
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: '400305c000020101' }],
    ],
    [
      'MULTI_EXIT_DISC of length 3: 3/5 (§7.4)',
      update(`0000 001a ${MANDATORY}
              80 04 03 000001 # MED, 3 bytes
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: '800403000001' }],
    ],
    [
      'LOCAL_PREF of length 2: 3/5 (§7.5)',
      update(`0000 0019 ${MANDATORY}
              40 05 02 0064 # LOCAL_PREF, 2 bytes
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: '4005020064' }],
    ],
    [
      'ORIGINATOR_ID of length 3: 3/5 (§7.9)',
      update(`0000 001a ${MANDATORY}
              80 09 03 c00002 # ORIGINATOR_ID, 3 bytes
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: '800903c00002' }],
    ],
    [
      'CLUSTER_LIST of length 5: 3/5 (§7.10)',
      update(`0000 001c ${MANDATORY}
              80 0a 05 c000020101 # CLUSTER_LIST, 5 bytes
              ${NLRI}`),
      [{ code: 3, subcode: 5, handling: 'treat-as-withdraw', data: '800a05c000020101' }],
    ],
    [
      'an AS_PATH segment overrunning the attribute: 3/11 (§7.2)',
      update(`0000 0014 ${ORIGIN}
              40 02 06 02 02 0000fde9 # AS_SEQUENCE of 2 ASNs, 1 present
              ${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 11, handling: 'treat-as-withdraw', data: '' }],
    ],
    [
      'an AS_PATH segment of type 5: 3/11',
      update(`0000 0014 ${ORIGIN}
              40 02 06 05 01 0000fde9 # segment type 5
              ${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 11, handling: 'treat-as-withdraw', data: '' }],
    ],
    [
      'an AS_PATH segment of length 0: 3/11',
      update(`0000 0010 ${ORIGIN}
              40 02 02 02 00 # AS_SEQUENCE of no ASN
              ${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 11, handling: 'treat-as-withdraw', data: '' }],
    ],
    [
      'AS 0 in AS_PATH: 3/11 (RFC 7607)',
      update(`0000 0014 ${ORIGIN}
              40 02 06 02 01 00000000 # AS_SEQUENCE: AS 0
              ${NEXT_HOP}${NLRI}`),
      [{ code: 3, subcode: 11, handling: 'treat-as-withdraw', data: '' }],
    ],
  ])('%s', (_what, bytes, errors) => {
    const result = decodeMessage(bytes, AS4);
    expect(handled(result)).toEqual(errors);
    expect(result.message).toEqual(withdrawnOnly);
  });

  it('keeps the route but drops the attribute for a malformed AGGREGATOR or ATOMIC_AGGREGATE (§7.6, §7.7)', () => {
    const route = { type: 'update', withdrawn: [], nlri: ['198.51.100.0/24'] };
    const attributes = {
      origin: 'igp',
      asPath: [{ kind: 'sequence', asns: [65001] }],
      nextHop: '192.0.2.1',
    };
    const aggregator7 = decodeMessage(
      update(`0000 001e ${MANDATORY}
              c0 07 07 0000fde9 c00002 # AGGREGATOR, 7 bytes (8 on a 4-octet session)
              ${NLRI}`),
      AS4,
    );
    expect(handled(aggregator7)).toEqual([
      { code: 3, subcode: 5, handling: 'attribute-discard', data: 'c007070000fde9c00002' },
    ]);
    expect(aggregator7.message).toEqual({ ...route, attributes });

    const aggregator8On2Octet = decodeMessage(
      update(`0000 001d ${ORIGIN}
              40 02 04 02 01 fde9      # AS_PATH (2-octet): SEQUENCE 65001
              ${NEXT_HOP}
              c0 07 08 0000fde9 c0000201 # AGGREGATOR, 8 bytes (6 on a 2-octet session)
              ${NLRI}`),
      AS2,
    );
    expect(handled(aggregator8On2Octet)).toMatchObject([
      { code: 3, subcode: 5, handling: 'attribute-discard' },
    ]);
    expect(aggregator8On2Octet.message).toEqual({ ...route, attributes });

    const aggregatorAs0 = decodeMessage(
      update(`0000 001f ${MANDATORY}
              c0 07 08 00000000 c0000201 # AGGREGATOR AS 0 (RFC 7607)
              ${NLRI}`),
      AS4,
    );
    expect(handled(aggregatorAs0)).toMatchObject([{ code: 3, subcode: 9, handling: 'attribute-discard' }]);
    expect(aggregatorAs0.message).toEqual({ ...route, attributes });

    const atomic = decodeMessage(
      update(`0000 0018 ${MANDATORY}
              40 06 01 00 # ATOMIC_AGGREGATE of 1 byte (0 expected)
              ${NLRI}`),
      AS4,
    );
    expect(handled(atomic)).toEqual([
      { code: 3, subcode: 5, handling: 'attribute-discard', data: '40060100' },
    ]);
    expect(atomic.message).toEqual({ ...route, attributes });
  });

  it('keeps the first of two ORIGINs (§3.g)', () => {
    const result = decodeMessage(
      update(`0000 0018 ${ORIGIN}
              40 01 01 02 # ORIGIN again, INCOMPLETE: discarded
              ${AS_PATH}${NEXT_HOP}${NLRI}`),
      AS4,
    );
    expect(handled(result)).toEqual([{ code: 3, subcode: 1, handling: 'attribute-discard', data: '' }]);
    expect((result.message as UpdateMessage).attributes.origin).toBe('igp');
    expect((result.message as UpdateMessage).nlri).toEqual(['198.51.100.0/24']);
  });

  it('disables the family of an MP_REACH_NLRI with a bad next hop length or NLRI (§7.11)', () => {
    const badNextHop = decodeMessage(
      update(`0000 0022 ${ORIGIN}${AS_PATH}
              80 0e 12                # MP_REACH_NLRI, 18 bytes
                0002 01               #   IPv6 unicast
                08 20010db800000001   #   next hop length 8: neither 16 nor 32
                00                    #   reserved
                20 20010db8           #   2001:db8::/32`),
      AS4,
    );
    expect(handled(badNextHop)).toEqual([
      {
        code: 3,
        subcode: 9,
        handling: 'afi-safi-disable',
        data: '800e120002010820010db8000000010020' + '20010db8',
      },
    ]);
    expect(badNextHop.message).toEqual({
      type: 'update',
      withdrawn: [],
      attributes: { origin: 'igp', asPath: [{ kind: 'sequence', asns: [65001] }] },
      nlri: [],
    });

    const badPrefix = decodeMessage(
      update(`0000 0026 ${ORIGIN}${AS_PATH}
              80 0e 16                             # MP_REACH_NLRI, 22 bytes
                0002 01 10                         #   IPv6 unicast, next hop of 16 bytes
                20010db8000000000000000000000001   #   2001:db8::1
                00                                 #   reserved
                81                                 #   a prefix length of 129`),
      AS4,
    );
    expect(handled(badPrefix)).toMatchObject([{ code: 3, subcode: 9, handling: 'afi-safi-disable' }]);
    expect((badPrefix.message as UpdateMessage).attributes.mpReach).toBeUndefined();

    const transitive = decodeMessage(
      update(`0000 0006
              c0 0f 03 0002 01 # MP_UNREACH_NLRI flagged transitive`),
      AS4,
    );
    expect(handled(transitive)).toEqual([
      { code: 3, subcode: 4, handling: 'afi-safi-disable', data: 'c00f03000201' },
    ]);
  });

  it('moves the IPv6 routes of MP_REACH_NLRI to MP_UNREACH_NLRI when treating as withdraw', () => {
    const result = decodeMessage(
      update(`0000 0034
              90 0e 001c                           # MP_REACH_NLRI, 28 bytes
                0002 01 10                         #   IPv6 unicast, next hop of 16 bytes
                20010db8000000000000000000000001   #   2001:db8::1
                00                                 #   reserved
                30 20010db80001                    #   2001:db8:1::/48
              40 01 01 03                          # ORIGIN 3: malformed
              ${AS_PATH}${NEXT_HOP}${NLRI}`),
      AS4,
    );
    expect(handled(result)).toMatchObject([{ code: 3, subcode: 6, handling: 'treat-as-withdraw' }]);
    expect(result.message).toEqual({
      type: 'update',
      withdrawn: ['198.51.100.0/24'],
      attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: ['2001:db8:1::/48'] } },
      nlri: [],
    });
  });

  it('ignores AS4_PATH between NEW speakers and discards a malformed one from an OLD speaker (RFC 6793 §6)', () => {
    const fromNew = decodeMessage(
      update(`0000 001d ${ORIGIN}${AS_PATH}
              c0 11 06 02 01 fa56ea00 # AS4_PATH: SEQUENCE 4200000000, meaningless here
              ${NEXT_HOP}${NLRI}`),
      AS4,
    );
    expect(fromNew.errors).toEqual([]);
    expect((fromNew.message as UpdateMessage).attributes.asPath).toEqual([
      { kind: 'sequence', asns: [65001] },
    ]);

    const malformed = decodeMessage(
      update(`0000 001b ${ORIGIN}
              40 02 04 02 01 5ba0        # AS_PATH (2-octet): SEQUENCE AS_TRANS
              c0 11 06 02 02 fa56ea00    # AS4_PATH: SEQUENCE of 2 ASNs, 1 present
              ${NEXT_HOP}${NLRI}`),
      AS2,
    );
    expect(handled(malformed)).toMatchObject([{ code: 3, subcode: 11, handling: 'attribute-discard' }]);
    expect((malformed.message as UpdateMessage).attributes.asPath).toEqual([
      { kind: 'sequence', asns: [23456] },
    ]);
    expect((malformed.message as UpdateMessage).nlri).toEqual(['198.51.100.0/24']);
  });

  it('keeps unknown optional attributes with their flags, the Partial bit included', () => {
    const result = decodeMessage(
      update(`0000 001d ${MANDATORY}
              e0 63 02 abcd # type 99: optional, transitive, partial
              80 64 01 01   # type 100: optional, non-transitive
              ${NLRI}`),
      AS4,
    );
    expect(result.errors).toEqual([]);
    expect((result.message as UpdateMessage).attributes.unknown).toEqual([
      { flags: 0xe0, code: 99, value: Uint8Array.of(0xab, 0xcd) },
      { flags: 0x80, code: 100, value: Uint8Array.of(1) },
    ]);
  });

  it('drops LOCAL_PREF from an external peer, whatever its shape (RFC 4271 §5.1.5, RFC 7606 §7.5)', () => {
    const bytes = update(`0000 0019 ${MANDATORY}
                          40 05 02 0064 # LOCAL_PREF of 2 bytes
                          ${NLRI}`);
    const external = decodeMessage(bytes, { fourOctetAs: true, ibgp: false });
    expect(external.errors).toEqual([]);
    expect((external.message as UpdateMessage).attributes.localPref).toBeUndefined();
    expect(decodeMessage(bytes, { fourOctetAs: true, ibgp: true }).errors).toHaveLength(1);
  });

  it('needs no attributes for an UPDATE that only withdraws, nor NEXT_HOP for MP_REACH_NLRI routes', () => {
    expect(decodeMessage(update(`0004 18 c63364 0000 # withdraws 198.51.100.0/24`), AS4)).toEqual({
      message: { type: 'update', withdrawn: ['198.51.100.0/24'], attributes: {}, nlri: [] },
      errors: [],
    });
    const mpOnly = decodeMessage(
      update(`0000 002c ${ORIGIN}${AS_PATH}
              80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001 # MP_REACH 2001:db8:1::/48`),
      AS4,
    );
    expect(mpOnly.errors).toEqual([]);
  });
});
