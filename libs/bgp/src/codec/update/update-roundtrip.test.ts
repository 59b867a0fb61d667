import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../message/message';
import { endOfRib } from '../pack/pack';
import { hex, toHex } from '../testing/hex';
import type { CodecContext, PathAttributes, UpdateMessage } from '../types';
import { isEndOfRib } from './end-of-rib';

const AS4: CodecContext = { fourOctetAs: true };
const AS2: CodecContext = { fourOctetAs: false };

function roundTrip(message: UpdateMessage, ctx: CodecContext) {
  return decodeMessage(encodeMessage(message, ctx), ctx);
}

function announcement(attributes: PathAttributes): UpdateMessage {
  return {
    type: 'update',
    withdrawn: ['203.0.113.128/25'],
    attributes,
    nlri: ['198.51.100.0/24', '10.0.0.0/8'],
  };
}

const everyAttribute: PathAttributes = {
  mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1', 'fe80::1:2'], nlri: ['2001:db8:1::/48', '::/0'] },
  mpUnreach: { afi: 2, safi: 1, withdrawn: ['2001:db8:ff::/64'] },
  origin: 'incomplete',
  asPath: [
    { kind: 'confed-sequence', asns: [64512, 64513] },
    { kind: 'confed-set', asns: [64514] },
    { kind: 'sequence', asns: [65001, 4200000000, 65002] },
    { kind: 'set', asns: [4200000001, 65003] },
  ],
  nextHop: '192.0.2.1',
  med: 4294967295,
  localPref: 200,
  atomicAggregate: true,
  aggregator: { asn: 4200000002, address: '192.0.2.9' },
  communities: [0xfbff0001, 0xffffff01],
  largeCommunities: [
    [4200000000, 1, 2],
    [65001, 0, 4294967295],
  ],
  originatorId: '192.0.2.7',
  clusterList: ['192.0.2.8', '198.51.100.1'],
  unknown: [
    { flags: 0xc0, code: 16, value: hex`0002fde900000001` }, // an extended community, kept as is
    { flags: 0xe0, code: 99, value: hex`abcd` },
  ],
};

describe('UPDATE round trips', () => {
  it.each([
    ['a 4-octet', AS4],
    ['a 2-octet', AS2],
  ])('carries every attribute over %s AS session unchanged', (_what, ctx) => {
    expect(roundTrip(announcement(everyAttribute), ctx)).toEqual({
      message: announcement(everyAttribute),
      errors: [],
    });
  });

  it('writes AS_TRANS and AS4_PATH / AS4_AGGREGATOR for an OLD peer only when an ASN needs them', () => {
    const attrs: PathAttributes = {
      origin: 'igp',
      asPath: [{ kind: 'sequence', asns: [65001, 4200000000] }],
      nextHop: '192.0.2.1',
      aggregator: { asn: 4200000001, address: '192.0.2.9' },
    };
    const bytes = toHex(encodeMessage(announcement(attrs), AS2));
    expect(bytes).toContain('400206' + '0202' + 'fde9' + '5ba0'); // AS_PATH: SEQUENCE 65001 AS_TRANS
    expect(bytes).toContain('c00706' + '5ba0' + 'c0000209'); // AGGREGATOR AS_TRANS
    expect(bytes).toContain('c0110a' + '0202' + '0000fde9' + 'fa56ea00'); // AS4_PATH
    expect(bytes).toContain('c01208' + 'fa56ea01' + 'c0000209'); // AS4_AGGREGATOR
    const small = toHex(
      encodeMessage(
        announcement({ ...attrs, asPath: [{ kind: 'sequence', asns: [65001] }], aggregator: undefined }),
        AS2,
      ),
    );
    expect(small).not.toContain('c011');
    expect(small).not.toContain('c012');
    expect(toHex(encodeMessage(announcement(attrs), AS4))).not.toContain('c011');
  });

  it('keeps an empty AS_PATH for iBGP and splits a sequence longer than 255 ASNs', () => {
    const ibgp = announcement({ origin: 'igp', asPath: [], nextHop: '192.0.2.1', localPref: 100 });
    expect(toHex(encodeMessage(ibgp, AS4))).toContain('400200'); // AS_PATH of length 0
    expect(roundTrip(ibgp, AS4).message).toEqual(ibgp);

    const long = Array.from({ length: 300 }, (_, i) => 65000 + i);
    const decoded = roundTrip(
      announcement({ origin: 'igp', asPath: [{ kind: 'sequence', asns: long }], nextHop: '192.0.2.1' }),
      AS4,
    );
    expect((decoded.message as UpdateMessage).attributes.asPath).toEqual([
      { kind: 'sequence', asns: long.slice(0, 255) },
      { kind: 'sequence', asns: long.slice(255) },
    ]);
  });

  it('writes a next hop of 16 bytes without a link-local address, 32 with one (RFC 2545 §3)', () => {
    const global = announcement({
      origin: 'igp',
      asPath: [],
      mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: ['2001:db8::/32'] },
    });
    global.nlri = [];
    global.withdrawn = [];
    expect(toHex(encodeMessage(global, AS4))).toContain('0002011020010db8000000000000000000000001' + '00');
    expect(roundTrip(global, AS4).message).toEqual(global);
  });

  it('sends MP attributes first (RFC 7606 §5.1) and the others in type order (RFC 4271 §5)', () => {
    const bytes = encodeMessage(announcement(everyAttribute), AS4);
    const types: number[] = [];
    let p = 19 + 2 + ((bytes[19]! << 8) | bytes[20]!);
    const end = p + 2 + ((bytes[p]! << 8) | bytes[p + 1]!);
    p += 2;
    while (p < end) {
      types.push(bytes[p + 1]!);
      p += bytes[p]! & 0x10 ? 4 + ((bytes[p + 2]! << 8) | bytes[p + 3]!) : 3 + bytes[p + 2]!;
    }
    expect(types).toEqual([14, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 32, 99]);
  });

  it('refuses to encode what it cannot send', () => {
    const bad = (attributes: PathAttributes) => () => encodeMessage(announcement(attributes), AS4);
    expect(bad({ nextHop: '192.0.2' })).toThrow(/NEXT_HOP/);
    expect(bad({ med: -1 })).toThrow(/MED/);
    expect(bad({ asPath: [{ kind: 'set', asns: [] }] })).toThrow(/no ASN/);
    expect(bad({ communities: [2 ** 32] })).toThrow(/community/);
    expect(bad({ origin: 'igp', unknown: [{ flags: 0x40, code: 1, value: hex`00` }] })).toThrow(/twice/);
    expect(() =>
      encodeMessage(
        {
          type: 'update',
          withdrawn: [],
          attributes: {},
          nlri: Array.from({ length: 1000 }, () => '10.0.0.0/32'),
        },
        AS4,
      ),
    ).toThrow(/4096/);
  });
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('is an empty UPDATE for IPv4 and an empty MP_UNREACH_NLRI for IPv6', () => {
    expect(toHex(endOfRib(1, AS4))).toBe(
      'ffffffffffffffffffffffffffffffff' + '0017' + '02' + '0000' + '0000',
    );
    expect(toHex(endOfRib(2, AS4))).toBe(
      'ffffffffffffffffffffffffffffffff' + '001d' + '02' + '0000' + '0006' + '800f03000201',
    );
    expect(isEndOfRib(decodeMessage(endOfRib(1, AS4), AS4))).toEqual({ afi: 1, safi: 1 });
    expect(isEndOfRib(decodeMessage(endOfRib(2, AS2), AS2))).toEqual({ afi: 2, safi: 1 });
  });

  it('is not an UPDATE with routes, nor one that treat-as-withdraw emptied', () => {
    const withdrawal = encodeMessage(
      { type: 'update', withdrawn: ['10.0.0.0/8'], attributes: {}, nlri: [] },
      AS4,
    );
    expect(isEndOfRib(decodeMessage(withdrawal, AS4))).toBeUndefined();
    // ORIGIN 3 with no NLRI: treat-as-withdraw leaves an empty UPDATE that is no marker.
    const malformed = hex`ffffffffffffffffffffffffffffffff 001b 02 0000 0004
      40 01 01 03 # ORIGIN 3`;
    const decoded = decodeMessage(malformed, AS4);
    expect(decoded.message).toEqual({ type: 'update', withdrawn: [], attributes: {}, nlri: [] });
    expect(isEndOfRib(decoded)).toBeUndefined();
    expect(isEndOfRib(decodeMessage(encodeMessage({ type: 'keepalive' }, AS4), AS4))).toBeUndefined();
  });
});
