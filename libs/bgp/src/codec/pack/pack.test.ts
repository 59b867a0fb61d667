import { normalizeCidr } from '@isthmus/net';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../message/message';
import { Random } from '../fuzz/random';
import { decodePrefixes, encodePrefixes } from '../nlri/prefix-wire';
import type { Afi, CodecContext, Prefix, RouteAttributes, UpdateMessage } from '../types';
import { packAnnouncements, packWithdrawals } from './pack';

const AS4: CodecContext = { fourOctetAs: true };
const AS2: CodecContext = { fourOctetAs: false };

/** The i-th /26 of 10.0.0.0/8, or the i-th /64 of 2001:db8::/32, in canonical text. */
function prefix(afi: Afi, i: number): Prefix {
  const text =
    afi === 1
      ? `10.${(i >> 10) & 255}.${(i >> 2) & 255}.${(i & 3) << 6}/26`
      : `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
  return normalizeCidr(text).cidr;
}

function randomPrefixes(rng: Random, afi: Afi, n: number): Prefix[] {
  return Array.from({ length: n }, () => {
    const bits = rng.below(afi === 1 ? 33 : 129);
    const wire = Uint8Array.of(bits, ...rng.bytes((bits + 7) >> 3));
    return decodePrefixes(afi, wire, 0, wire.length)![0]!;
  });
}

function decodeAll(messages: Uint8Array[], ctx: CodecContext): UpdateMessage[] {
  return messages.map((m) => {
    const { message, errors } = decodeMessage(m, ctx);
    expect(errors).toEqual([]);
    return message as UpdateMessage;
  });
}

const ipv4Attributes: RouteAttributes = {
  origin: 'igp',
  asPath: [{ kind: 'sequence', asns: [65001, 4200000000] }],
  nextHop: '192.0.2.1',
  localPref: 100,
  communities: [0xfbff0001],
};
const ipv6Attributes: RouteAttributes = {
  origin: 'igp',
  asPath: [],
  mpNextHops: ['2001:db8::1', 'fe80::1'],
  largeCommunities: [[4200000000, 1, 1]],
};

describe('packAnnouncements', () => {
  it.each([
    ['IPv4', 1, ipv4Attributes, AS4],
    ['IPv4 on a 2-octet session', 1, ipv4Attributes, AS2],
    ['IPv6', 2, ipv6Attributes, AS4],
  ] as const)(
    'puts %s routes that share attributes in the fewest UPDATEs, which decode back',
    (_what, afi, attributes, ctx) => {
      const nlri = Array.from({ length: 5000 }, (_, i) => prefix(afi, i));
      const messages = packAnnouncements(afi, attributes, nlri, ctx);
      for (const m of messages) expect(m.length).toBeLessThanOrEqual(4096);

      // Every prefix has the same size, so the fewest messages is the prefixes over how many fit one.
      const prefixSize = afi === 1 ? 5 : 9;
      const room = 4096 - (messages[0]!.length - prefixSize * countIn(decodeAll([messages[0]!], ctx)[0]!));
      expect(messages.length).toBe(Math.ceil(nlri.length / Math.floor(room / prefixSize)));

      const decoded = decodeAll(messages, ctx);
      expect(decoded.flatMap((u) => routesOf(u))).toEqual(nlri);
      const { mpNextHops, ...expected } = attributes;
      for (const u of decoded) {
        const { mpReach, ...rest } = u.attributes;
        expect(rest).toEqual(expected);
        if (afi === 2) expect(mpReach).toMatchObject({ afi: 2, safi: 1, nextHops: mpNextHops });
        expect(u.withdrawn).toEqual([]);
      }
    },
  );

  it.each([1, 2] as const)(
    'fills every UPDATE until the next prefix would not fit (AFI %i, mixed lengths)',
    (afi) => {
      const rng = new Random(afi + 10);
      const nlri = randomPrefixes(rng, afi, 3000);
      const attributes = afi === 1 ? ipv4Attributes : ipv6Attributes;
      const max = 1000;
      const messages = packAnnouncements(afi, attributes, nlri, AS4, max);
      const decoded = decodeAll(messages, AS4);
      expect(decoded.flatMap(routesOf)).toEqual(nlri);
      let next = 0;
      for (let m = 0; m < messages.length; m++) {
        expect(messages[m]!.length).toBeLessThanOrEqual(max);
        next += countIn(decoded[m]!);
        if (m < messages.length - 1) {
          const nextSize = encodePrefixes(afi, [nlri[next]!]).bytes.length;
          expect(messages[m]!.length + nextSize).toBeGreaterThan(max);
        }
      }
    },
  );

  it('sends nothing for no routes and refuses routes without their next hop', () => {
    expect(packAnnouncements(1, ipv4Attributes, [], AS4)).toEqual([]);
    expect(() => packAnnouncements(1, { origin: 'igp', asPath: [] }, ['10.0.0.0/8'], AS4)).toThrow(/nextHop/);
    expect(() => packAnnouncements(2, { origin: 'igp', asPath: [] }, ['2001:db8::/32'], AS4)).toThrow(
      /mpNextHops/,
    );
    expect(() => packAnnouncements(1, ipv4Attributes, ['2001:db8::/32'], AS4)).toThrow(/not an IPv4 prefix/);
  });
});

describe('packWithdrawals', () => {
  it.each([1, 2] as const)('withdraws AFI %i prefixes in the fewest UPDATEs, which decode back', (afi) => {
    const prefixes = Array.from({ length: 5000 }, (_, i) => prefix(afi, i));
    const messages = packWithdrawals(afi, prefixes, AS4);
    const prefixSize = afi === 1 ? 5 : 9;
    const overhead = afi === 1 ? 23 : 23 + 4 + 3; // UPDATE fixed part (+ MP_UNREACH_NLRI header, AFI, SAFI)
    expect(messages.length).toBe(Math.ceil(prefixes.length / Math.floor((4096 - overhead) / prefixSize)));
    const decoded = decodeAll(messages, AS4);
    for (const u of decoded) {
      expect(u.nlri).toEqual([]);
      if (afi === 1) expect(u.attributes).toEqual({});
    }
    const withdrawn = decoded.flatMap((u) => (afi === 1 ? u.withdrawn : u.attributes.mpUnreach!.withdrawn));
    expect(withdrawn).toEqual(prefixes);
  });

  it('sends nothing for nothing to withdraw', () => {
    expect(packWithdrawals(2, [], AS4)).toEqual([]);
  });
});

function routesOf(u: UpdateMessage): Prefix[] {
  return [...u.nlri, ...(u.attributes.mpReach?.nlri ?? [])];
}

function countIn(u: UpdateMessage): number {
  return routesOf(u).length;
}
