import { createServer } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../postgres-server';
import { BgpMessageTally, type BgpMessageCounter, startBgpMessageCounter } from './message-counter';

const MARKER = Array<number>(16).fill(0xff);

/** A message with the RFC 4271 §4.1 header: marker, 2-octet length, type; then `body`. */
function message(type: number, body: number[] = []): Buffer {
  const length = 19 + body.length;
  return Buffer.from([...MARKER, length >> 8, length & 0xff, type, ...body]);
}

const KEEPALIVE = message(4);
// An End-of-RIB for IPv4 (RFC 4724 §2): withdrawn routes length 0, path attributes length 0.
const END_OF_RIB = message(2, [0, 0, 0, 0]);
const NOTIFICATION = message(3, [6, 2]); // Cease, administrative shutdown

describe('BGP message tally', () => {
  it('counts messages by type however the bytes are split', () => {
    const stream = Buffer.concat([
      KEEPALIVE,
      END_OF_RIB,
      END_OF_RIB,
      message(5, [0, 1, 0, 1]),
      message(99),
      NOTIFICATION,
    ]);
    const tally = new BgpMessageTally();
    for (let i = 0; i < stream.length; i += 5) tally.feed(stream.subarray(i, i + 5));
    expect(tally.counts).toMatchObject({
      open: 0,
      update: 2,
      notification: 1,
      keepalive: 1,
      routeRefresh: 1,
      other: 1,
      octets: stream.length,
      updateOctets: 2 * END_OF_RIB.length,
    });
    tally.reset();
    expect(tally.counts.update).toBe(0);
  });

  it('stops counting a stream whose header length is impossible', () => {
    const tally = new BgpMessageTally();
    tally.feed(Buffer.from([...MARKER, 0, 5, 2]));
    tally.feed(END_OF_RIB);
    expect(tally.counts).toMatchObject({ other: 1, update: 1 });
  });
});

describe('BGP message counter relay', () => {
  let counter: BgpMessageCounter | undefined;
  const closers: (() => void)[] = [];
  afterEach(async () => {
    await counter?.close();
    counter = undefined;
    for (const close of closers.splice(0)) close();
  });

  it('relays both directions unchanged from the connecting side’s address and counts each', async () => {
    const upstreamPort = await freePort();
    let seenFrom = '';
    const upstream = createServer((socket) => {
      seenFrom = socket.remoteAddress ?? '';
      socket.on('data', () => socket.write(Buffer.concat([KEEPALIVE, END_OF_RIB])));
    });
    await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.82', resolve));
    closers.push(() => upstream.close());
    counter = await startBgpMessageCounter({
      listenAddress: '127.0.0.82',
      upstreamAddress: '127.0.0.82',
      upstreamPort,
      upstreamLocalAddress: '127.0.0.81',
    });
    const client = connect({ host: '127.0.0.82', port: counter.listenPort, localAddress: '127.0.0.81' });
    closers.push(() => client.destroy());
    const received = new Promise<Buffer>((resolve) => {
      let bytes = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (bytes.length >= KEEPALIVE.length + END_OF_RIB.length) resolve(bytes);
      });
    });
    client.write(KEEPALIVE);
    expect(await received).toEqual(Buffer.concat([KEEPALIVE, END_OF_RIB]));
    expect(seenFrom).toBe('127.0.0.81');
    const counts = counter.counts();
    expect(counts.fromConnecting).toMatchObject({ keepalive: 1, update: 0 });
    expect(counts.fromUpstream).toMatchObject({ keepalive: 1, update: 1 });
  });
});
