import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../message/message';
import { hex } from '../testing/hex';
import { sessionResetError, summary } from '../testing/decode-failure';
import type { OpenMessage } from '../types';

const ctx = { fourOctetAs: false };

describe('OPEN from real bytes', () => {
  // A BIRD 2 style OPEN: every capability in one Capabilities parameter.
  const bird = hex`
    ffffffffffffffffffffffffffffffff  # marker
    003d                              # length 61
    01                                # type OPEN
    04                                # version 4
    fbff                              # My AS 64511
    00f0                              # hold time 240
    7f00000a                          # BGP identifier 127.0.0.10
    20                                # optional parameters length 32
    02 1e                             # parameter 2 (Capabilities), 30 bytes
      01 04 0001 00 01                #   multiprotocol IPv4 unicast (RFC 4760)
      01 04 0002 00 01                #   multiprotocol IPv6 unicast
      02 00                           #   route refresh (RFC 2918)
      46 00                           #   enhanced route refresh (RFC 7313): unknown here
      40 06 0078 0001 01 80           #   graceful restart: time 120, IPv4 unicast forwarding preserved
      41 04 0000fbff                  #   four-octet AS 64511 (RFC 6793)
  `;
  const birdOpen: OpenMessage = {
    type: 'open',
    version: 4,
    myAs: 64511,
    holdTimeSeconds: 240,
    bgpIdentifier: '127.0.0.10',
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'unknown', code: 70, value: new Uint8Array(0) },
      {
        kind: 'graceful-restart',
        restarting: false,
        restartTimeSeconds: 120,
        families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
      },
      { kind: 'four-octet-as', asn: 64511 },
    ],
  };

  it('decodes a BIRD style OPEN with capabilities 1, 2, 64 and 65', () => {
    expect(decodeMessage(bird, ctx)).toEqual({ message: birdOpen, errors: [] });
  });

  it('encodes that OPEN back to the same bytes', () => {
    expect(encodeMessage(birdOpen, ctx)).toEqual(Buffer.from(bird));
  });

  it('decodes one capability per optional parameter (FRR / Cisco style) and AS_TRANS with a 4-octet ASN', () => {
    const frr = hex`
      ffffffffffffffffffffffffffffffff  # marker
      0035                              # length 53
      01                                # type OPEN
      04                                # version 4
      5ba0                              # My AS 23456 (AS_TRANS)
      00b4                              # hold time 180
      c0000202                          # BGP identifier 192.0.2.2
      18                                # optional parameters length 24
      02 06 01 04 0001 00 01            # parameter: multiprotocol IPv4 unicast
      02 02 02 00                       # parameter: route refresh
      02 02 80 00                       # parameter: pre-standard route refresh (code 128)
      02 06 41 04 fa56ea00              # parameter: four-octet AS 4200000000
    `;
    expect(decodeMessage(frr, ctx).message).toEqual({
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTimeSeconds: 180,
      bgpIdentifier: '192.0.2.2',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'unknown', code: 128, value: new Uint8Array(0) },
        { kind: 'four-octet-as', asn: 4200000000 },
      ],
    });
  });

  it('decodes the extended optional parameters length of RFC 9072', () => {
    const extended = hex`
      ffffffffffffffffffffffffffffffff 0029 01  # header, length 41, OPEN
      04 fbff 005a 7f00000a                     # version, AS 64511, hold 90, identifier
      ff                                        # Non-Ext OP Len 255 ...
      ff                                        # ... and Non-Ext OP Type 255: extended format
      0009                                      # Extended Opt. Parm. Length 9
      02 0006 01 04 0001 00 01                  # Capabilities (2-octet length 6): multiprotocol IPv4
    `;
    expect((decodeMessage(extended, ctx).message as OpenMessage).capabilities).toEqual([
      { kind: 'multiprotocol', afi: 1, safi: 1 },
    ]);
  });

  it('round-trips an OPEN without capabilities and one with every kind', () => {
    const bare: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: 65000,
      holdTimeSeconds: 0,
      bgpIdentifier: '10.0.0.1',
      capabilities: [],
    };
    expect(decodeMessage(encodeMessage(bare, ctx), ctx).message).toEqual(bare);
    const full: OpenMessage = {
      ...bare,
      holdTimeSeconds: 3,
      capabilities: [
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        {
          kind: 'graceful-restart',
          restarting: true,
          restartTimeSeconds: 4095,
          families: [
            { afi: 1, safi: 1, forwardingPreserved: false },
            { afi: 2, safi: 1, forwardingPreserved: true },
          ],
        },
        { kind: 'graceful-restart', restarting: false, restartTimeSeconds: 0, families: [] },
        { kind: 'four-octet-as', asn: 4294967295 },
        { kind: 'unknown', code: 73, value: Uint8Array.of(1, 2, 3) },
      ],
    };
    expect(decodeMessage(encodeMessage(full, ctx), ctx).message).toEqual(full);
  });
});

describe('malformed OPEN (RFC 4271 §6.2)', () => {
  const header = 'ffffffffffffffffffffffffffffffff';

  it.each([
    [
      'version 3: 2/1, the data is the version we support',
      hex`${header} 001d 01  # header, length 29, OPEN
          03                 # version 3
          fbff 005a 7f00000a # AS, hold time, identifier
          00                 # no optional parameters`,
      { code: 2, subcode: 1, handling: 'session-reset', data: '0004' },
    ],
    [
      'hold time 1: 2/6',
      hex`${header} 001d 01 04 fbff
          0001               # hold time 1 second
          7f00000a 00`,
      { code: 2, subcode: 6, handling: 'session-reset', data: '' },
    ],
    [
      'hold time 2: 2/6',
      hex`${header} 001d 01 04 fbff
          0002               # hold time 2 seconds
          7f00000a 00`,
      { code: 2, subcode: 6, handling: 'session-reset', data: '' },
    ],
    [
      'BGP identifier 0.0.0.0: 2/3',
      hex`${header} 001d 01 04 fbff 005a
          00000000           # identifier 0.0.0.0
          00`,
      { code: 2, subcode: 3, handling: 'session-reset', data: '' },
    ],
    [
      'My AS 0: 2/2 (RFC 7607)',
      hex`${header} 001d 01 04
          0000               # My AS 0
          005a 7f00000a 00`,
      { code: 2, subcode: 2, handling: 'session-reset', data: '' },
    ],
    [
      'four-octet AS 0: 2/2 (RFC 7607)',
      hex`${header} 0025 01 04 5ba0 005a 7f00000a
          08                 # optional parameters length 8
          02 06 41 04 00000000 # four-octet AS 0`,
      { code: 2, subcode: 2, handling: 'session-reset', data: '' },
    ],
    [
      'an optional parameter other than Capabilities: 2/4',
      hex`${header} 0021 01 04 fbff 005a 7f00000a
          04                 # optional parameters length 4
          01 02 0000         # parameter type 1 (Authentication, deprecated)`,
      { code: 2, subcode: 4, handling: 'session-reset', data: '' },
    ],
    [
      'an optional parameters length beyond the message: 2/0',
      hex`${header} 001f 01 04 fbff 005a 7f00000a
          05                 # optional parameters length 5, but 2 bytes follow
          02 00`,
      { code: 2, subcode: 0, handling: 'session-reset', data: '' },
    ],
    [
      'a capability overrunning its parameter: 2/0',
      hex`${header} 0023 01 04 fbff 005a 7f00000a
          06                 # optional parameters length 6
          02 04              # Capabilities, 4 bytes
          41 04 0000         # four-octet AS of 4 bytes, 2 of them in the parameter`,
      { code: 2, subcode: 0, handling: 'session-reset', data: '' },
    ],
    [
      'a multiprotocol capability of length 3: 2/0',
      hex`${header} 0022 01 04 fbff 005a 7f00000a 05
          02 03 01 01 00     # Capabilities: multiprotocol of 1 byte (4 expected)
          `,
      { code: 2, subcode: 0, handling: 'session-reset', data: '' },
    ],
    [
      'a graceful-restart capability of length 3: 2/0',
      hex`${header} 0022 01 04 fbff 005a 7f00000a 05
          02 03 40 01 00     # Capabilities: graceful restart of 1 byte`,
      { code: 2, subcode: 0, handling: 'session-reset', data: '' },
    ],
    [
      'an OPEN of 28 bytes: 1/2 with the length',
      hex`${header} 001c 01 04 fbff 005a 7f00000a # no room for the parameters length`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '001c' },
    ],
  ])('%s', (_what, bytes, expected) => {
    expect(summary(sessionResetError(bytes, ctx))).toEqual(expected);
  });
});
