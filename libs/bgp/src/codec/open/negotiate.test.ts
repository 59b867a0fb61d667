import { describe, expect, it } from 'vitest';
import { BgpDecodeError } from '../errors';
import type { Capability, OpenMessage } from '../types';
import { negotiate } from './negotiate';

function open(myAs: number, holdTimeSeconds: number, capabilities: Capability[]): OpenMessage {
  return { type: 'open', version: 4, myAs, holdTimeSeconds, bgpIdentifier: '192.0.2.1', capabilities };
}

const gr: Capability = {
  kind: 'graceful-restart',
  restarting: true,
  restartTimeSeconds: 90,
  families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
};

describe('negotiate', () => {
  it('agrees on the common families, 4-octet ASNs, route refresh and the smaller hold time', () => {
    const local = open(23456, 90, [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: 4200000000 },
    ]);
    const remote = open(64511, 30, [
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      gr,
      { kind: 'four-octet-as', asn: 64511 },
    ]);
    expect(negotiate(local, remote, 64511)).toEqual({
      fourOctetAs: true,
      families: [{ afi: 2, safi: 1 }],
      routeRefresh: true,
      peerGracefulRestart: gr,
      holdTimeSeconds: 30,
      peerAsn: 64511,
    });
  });

  it('falls back to IPv4 unicast and 2-octet ASNs for a peer without capabilities (RFC 4760 §8, RFC 6793 §4)', () => {
    const local = open(65001, 0, [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'four-octet-as', asn: 65001 },
    ]);
    expect(negotiate(local, open(65002, 90, []))).toEqual({
      fourOctetAs: false,
      families: [{ afi: 1, safi: 1 }],
      routeRefresh: false,
      holdTimeSeconds: 0,
      peerAsn: 65002,
    });
  });

  it('reports a peer AS other than the configured one as 2/2 Bad Peer AS', () => {
    const remote = open(23456, 90, [{ kind: 'four-octet-as', asn: 4200000001 }]);
    expect(negotiate(open(1, 90, []), remote, 4200000001).peerAsn).toBe(4200000001);
    const error = (() => {
      try {
        negotiate(open(1, 90, []), remote, 23456);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BgpDecodeError);
    expect(error).toMatchObject({ code: 2, subcode: 2, handling: 'session-reset' });
  });
});
