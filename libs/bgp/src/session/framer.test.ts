import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../codec';
import { MessageFramer } from './framer';

const keepalive = encodeMessage({ type: 'keepalive' }, { fourOctetAs: true });
const notification = encodeMessage(
  { type: 'notification', code: 6, subcode: 2, data: new Uint8Array([1, 2, 3]) },
  { fourOctetAs: true },
);

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe('MessageFramer (RFC 4271 §4.1)', () => {
  it('cuts several messages out of one chunk', () => {
    const { frames, error } = new MessageFramer().push(concat(keepalive, notification, keepalive));
    expect(frames.map((f) => f.length)).toEqual([19, 24, 19]);
    expect(error).toBeUndefined();
  });

  it('joins a message split across chunks, byte by byte if need be', () => {
    const framer = new MessageFramer();
    const stream = concat(notification, keepalive);
    const frames: Uint8Array[] = [];
    for (const byte of stream) frames.push(...framer.push(Uint8Array.of(byte)).frames);
    expect(frames.map((f) => [...f])).toEqual([[...notification], [...keepalive]]);
    expect(framer.buffered).toBe(0);
  });

  it('returns the good messages before a bad header, then the error (1/1)', () => {
    const bad = Uint8Array.from(keepalive);
    bad[3] = 0;
    const { frames, error } = new MessageFramer().push(concat(keepalive, bad));
    expect(frames).toHaveLength(1);
    expect(error).toMatchObject({ code: 1, subcode: 1 });
  });

  it('reports a length outside 19..4096 (1/2) as soon as the header is there', () => {
    const long = Uint8Array.from(keepalive);
    long[16] = 0x10;
    long[17] = 0x01; // 4097
    const { frames, error } = new MessageFramer().push(long);
    expect(frames).toEqual([]);
    expect(error).toMatchObject({ code: 1, subcode: 2 });
  });
});
