import { decodePrefixes } from '../nlri/prefix-wire';
import { encodeMessage } from '../message/message';
import { endOfRib, packAnnouncements, packWithdrawals } from '../pack/pack';
import type { Afi, AsPathSegment, Capability, CodecContext, PathAttributes, Prefix } from '../types';
import type { Random } from './random';

// Random well-formed messages: the starting points the fuzzer mutates.

function randomPrefix(rng: Random, afi: Afi): Prefix {
  const bits = rng.below(afi === 1 ? 33 : 129);
  const wire = new Uint8Array(1 + ((bits + 7) >> 3));
  wire[0] = bits;
  wire.set(rng.bytes(wire.length - 1), 1);
  return decodePrefixes(afi, wire, 0, wire.length)![0]!;
}

function prefixes(rng: Random, afi: Afi, max: number): Prefix[] {
  return Array.from({ length: rng.below(max + 1) }, () => randomPrefix(rng, afi));
}

function address(rng: Random): string {
  return `${1 + rng.below(223)}.${rng.below(256)}.${rng.below(256)}.${1 + rng.below(254)}`;
}

function asn(rng: Random): number {
  return rng.chance(0.5) ? 1 + rng.below(65535) : 1 + rng.below(0xfffffffe);
}

function asPath(rng: Random): AsPathSegment[] {
  const kinds: AsPathSegment['kind'][] = ['sequence', 'sequence', 'set', 'confed-sequence', 'confed-set'];
  return Array.from({ length: rng.below(4) }, () => ({
    kind: rng.pick(kinds),
    asns: Array.from({ length: 1 + rng.below(6) }, () => asn(rng)),
  }));
}

function attributes(rng: Random): PathAttributes {
  const a: PathAttributes = {};
  if (rng.chance(0.9)) a.origin = rng.pick(['igp', 'egp', 'incomplete'] as const);
  if (rng.chance(0.9)) a.asPath = asPath(rng);
  if (rng.chance(0.8)) a.nextHop = address(rng);
  if (rng.chance(0.3)) a.med = rng.u32();
  if (rng.chance(0.5)) a.localPref = rng.u32();
  if (rng.chance(0.2)) a.atomicAggregate = true;
  if (rng.chance(0.2)) a.aggregator = { asn: asn(rng), address: address(rng) };
  if (rng.chance(0.4)) a.communities = Array.from({ length: 1 + rng.below(5) }, () => rng.u32());
  if (rng.chance(0.2)) a.largeCommunities = [[rng.u32(), rng.u32(), rng.u32()]];
  if (rng.chance(0.2)) a.originatorId = address(rng);
  if (rng.chance(0.2)) a.clusterList = Array.from({ length: 1 + rng.below(3) }, () => address(rng));
  if (rng.chance(0.3)) {
    a.mpReach = {
      afi: 2,
      safi: 1,
      nextHops: rng.chance(0.5) ? ['2001:db8::1'] : ['2001:db8::1', 'fe80::1'],
      nlri: prefixes(rng, 2, 6),
    };
  }
  if (rng.chance(0.2)) a.mpUnreach = { afi: 2, safi: 1, withdrawn: prefixes(rng, 2, 4) };
  if (rng.chance(0.2))
    a.unknown = [{ flags: 0xc0, code: 100 + rng.below(100), value: rng.bytes(rng.below(12)) }];
  return a;
}

function capabilities(rng: Random): Capability[] {
  const caps: Capability[] = [];
  if (rng.chance(0.8)) caps.push({ kind: 'multiprotocol', afi: 1, safi: 1 });
  if (rng.chance(0.6)) caps.push({ kind: 'multiprotocol', afi: 2, safi: 1 });
  if (rng.chance(0.6)) caps.push({ kind: 'route-refresh' });
  if (rng.chance(0.5)) {
    caps.push({
      kind: 'graceful-restart',
      restarting: rng.chance(0.5),
      restartTimeSeconds: rng.below(4096),
      families: [{ afi: 1, safi: 1, forwardingPreserved: rng.chance(0.5) }],
    });
  }
  if (rng.chance(0.7)) caps.push({ kind: 'four-octet-as', asn: asn(rng) });
  if (rng.chance(0.2))
    caps.push({ kind: 'unknown', code: 70 + rng.below(100), value: rng.bytes(rng.below(8)) });
  return caps;
}

/** One random valid message, or several when a packer produced them. */
export function randomValidMessages(rng: Random, ctx: CodecContext): Uint8Array[] {
  const messages = generate(rng, ctx);
  return messages.length > 0 ? messages : [encodeMessage({ type: 'keepalive' }, ctx)];
}

function generate(rng: Random, ctx: CodecContext): Uint8Array[] {
  switch (rng.below(12)) {
    case 0:
      return [
        encodeMessage(
          {
            type: 'open',
            version: 4,
            myAs: 1 + rng.below(65535),
            holdTimeSeconds: rng.chance(0.1) ? 0 : 3 + rng.below(65533),
            bgpIdentifier: address(rng),
            capabilities: capabilities(rng),
          },
          ctx,
        ),
      ];
    case 1:
      return [encodeMessage({ type: 'keepalive' }, ctx)];
    case 2:
      return [
        encodeMessage(
          {
            type: 'notification',
            code: 1 + rng.below(7),
            subcode: rng.below(12),
            data: rng.bytes(rng.below(8)),
          },
          ctx,
        ),
      ];
    case 3:
      return [encodeMessage({ type: 'route-refresh', afi: 1 + rng.below(2), safi: 1 }, ctx)];
    case 4:
      return [endOfRib(rng.chance(0.5) ? 1 : 2, ctx)];
    case 5: {
      const afi: Afi = rng.chance(0.5) ? 1 : 2;
      const attrs = {
        origin: 'igp' as const,
        asPath: asPath(rng),
        nextHop: address(rng),
        mpNextHops: ['2001:db8::2'],
      };
      return packAnnouncements(afi, attrs, prefixes(rng, afi, 40), ctx, 200 + rng.below(400));
    }
    case 6: {
      const afi: Afi = rng.chance(0.5) ? 1 : 2;
      return packWithdrawals(afi, prefixes(rng, afi, 40), ctx, 100 + rng.below(400));
    }
    default:
      return [
        encodeMessage(
          {
            type: 'update',
            withdrawn: prefixes(rng, 1, 4),
            attributes: attributes(rng),
            nlri: prefixes(rng, 1, 6),
          },
          ctx,
        ),
      ];
  }
}
