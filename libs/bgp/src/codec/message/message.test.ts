import { describe, expect, it } from 'vitest';
import { BgpDecodeError } from '../errors';
import { hex } from '../testing/hex';
import { sessionResetError, summary } from '../testing/decode-failure';
import type { BgpMessage } from '../types';
import { frameLength } from '../wire/header';
import { decodeMessage, encodeMessage } from './message';

const ctx = { fourOctetAs: true };
const marker = 'ffffffffffffffffffffffffffffffff';

describe('KEEPALIVE, NOTIFICATION, ROUTE-REFRESH from real bytes', () => {
  it.each<[string, Uint8Array, BgpMessage]>([
    [
      'KEEPALIVE',
      hex`${marker}  # marker
          0013       # length 19
          04         # type KEEPALIVE`,
      { type: 'keepalive' },
    ],
    [
      'NOTIFICATION Cease / Administrative Shutdown with a reason (RFC 9003)',
      hex`${marker} 001a 03  # header, length 26, NOTIFICATION
          06                 # error code 6, Cease
          02                 # subcode 2, Administrative Shutdown
          04 62 79 65 21     # data: length 4, "bye!"`,
      { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(4, 0x62, 0x79, 0x65, 0x21) },
    ],
    [
      'NOTIFICATION Hold Timer Expired without data',
      hex`${marker} 0015 03  # header, length 21, NOTIFICATION
          04 00              # Hold Timer Expired, subcode 0`,
      { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) },
    ],
    [
      'ROUTE-REFRESH for IPv6 unicast',
      hex`${marker} 0017 05  # header, length 23, ROUTE-REFRESH
          0002               # AFI 2, IPv6
          00                 # reserved
          01                 # SAFI 1, unicast`,
      { type: 'route-refresh', afi: 2, safi: 1 },
    ],
  ])('decodes and re-encodes a %s', (_what, bytes, message) => {
    expect(decodeMessage(bytes, ctx)).toEqual({ message, errors: [] });
    expect(encodeMessage(message, ctx)).toEqual(Buffer.from(bytes));
  });
});

describe('decoding from a stream buffer', () => {
  it('reads a message in the middle of a larger buffer and keeps no view of it', () => {
    const notification = hex`${marker} 0017 03 06 02 01 41`; // Cease, shutdown, reason "A"
    const stream = Buffer.from([...hex`${marker} 0013 04`, ...notification, 0xff]); // Buffer#slice would alias it
    const length = frameLength(stream, 19)!;
    const { message } = decodeMessage(stream.subarray(19, 19 + length), ctx);
    stream.fill(0); // the session reuses its receive buffer
    expect(message).toEqual({ type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(1, 0x41) });
  });
});

describe('message header errors (RFC 4271 §6.1)', () => {
  it.each([
    [
      'a marker that is not all ones: 1/1',
      hex`ffffffffffffffffffffffffffff7fff  # marker with one bit cleared
          0013 04`,
      { code: 1, subcode: 1, handling: 'session-reset', data: '' },
    ],
    [
      'a length below 19: 1/2 with the length',
      hex`${marker} 0012 04  # length 18`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '0012' },
    ],
    [
      'a length above 4096: 1/2 with the length',
      hex`${marker} 1001 04  # length 4097`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '1001' },
    ],
    [
      'a KEEPALIVE of 20 bytes: 1/2',
      hex`${marker} 0014 04  # length 20
          00                 # one byte too many`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '0014' },
    ],
    [
      'a NOTIFICATION of 20 bytes (no subcode): 1/2',
      hex`${marker} 0014 03 06`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '0014' },
    ],
    [
      'an UPDATE of 22 bytes (below its minimum of 23): 1/2',
      hex`${marker} 0016 02  # length 22, UPDATE
          0000 00            # withdrawn length, then one byte of the attribute length`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '0016' },
    ],
    [
      'a ROUTE-REFRESH of 24 bytes: 1/2',
      hex`${marker} 0018 05 0001 00 01 00`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '0018' },
    ],
    [
      'message type 6: 1/3 with the type',
      hex`${marker} 0013 06  # type 6 does not exist`,
      { code: 1, subcode: 3, handling: 'session-reset', data: '06' },
    ],
    [
      'message type 0: 1/3 with the type',
      hex`${marker} 0013 00`,
      { code: 1, subcode: 3, handling: 'session-reset', data: '00' },
    ],
    [
      'a header that says 20 bytes on a buffer of 19: 1/2',
      hex`${marker} 0014 04`,
      { code: 1, subcode: 2, handling: 'session-reset', data: '0014' },
    ],
  ])('%s', (_what, bytes, expected) => {
    expect(summary(sessionResetError(bytes, ctx))).toEqual(expected);
  });
});

describe('frameLength', () => {
  const keepalive = hex`${marker} 0013 04`;

  it('waits for a whole header', () => {
    expect(frameLength(keepalive.subarray(0, 18))).toBeUndefined();
    expect(frameLength(new Uint8Array(0))).toBeUndefined();
  });

  it('reads the length of the message at an offset of a stream', () => {
    const stream = new Uint8Array([...keepalive, ...hex`${marker} 0017 05 0001 00 01`]);
    expect(frameLength(stream, 0)).toBe(19);
    expect(frameLength(stream, 19)).toBe(23);
    expect(frameLength(stream, 24)).toBeUndefined(); // 18 bytes left
  });

  it('throws 1/1 for a bad marker and 1/2 for a bad length before the message is whole', () => {
    expect(() => frameLength(hex`${'00'.repeat(16)} 0013 04`)).toThrow(BgpDecodeError);
    expect(() => frameLength(hex`${marker} ffff 02`)).toThrow(
      expect.objectContaining({ code: 1, subcode: 2 }),
    );
  });
});
