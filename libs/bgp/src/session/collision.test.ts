import { describe, expect, it } from 'vitest';

import type { FsmConfig } from '../fsm';
import { FakeClock } from '../testing/fake-clock';

import { MemoryNetwork, MemorySocket } from '../testing/memory-transport';

import { AcceptQueue, TestPeerConnection } from '../testing/test-peer';

import { settle } from '../testing/wait';
import { PeerSession, type StateChange } from './index';
import { pollUntil } from '@isthmus/testing';

const PEER = '10.0.0.2';
const ASN = 64511;

function setup(ourId: string, options: { passive?: boolean; connectNever?: boolean } = {}) {
  const clock = new FakeClock();
  const network = new MemoryNetwork();
  const peerListener = new AcceptQueue();
  network.listen(PEER, 179, (socket) => peerListener.push(new TestPeerConnection(socket)));
  const fsm: FsmConfig = {
    localAsn: ASN,
    bgpIdentifier: ourId,
    peerAsn: ASN,
    holdTimeSeconds: 90,
    openSentHoldSeconds: 240,
    passive: options.passive ?? false,
    automaticRestart: true,
    connectRetry: { initialSeconds: 1, maxSeconds: 8 },
  };
  const states: StateChange[] = [];
  const pending: MemorySocket[] = [];
  const transport = options.connectNever
    ? {
        // A connect attempt that hangs (SYN into a black hole).
        connect: () => {
          const socket = new MemorySocket(ourId, PEER, 179, 1 << 20);
          pending.push(socket);
          return socket;
        },
      }
    : network.transport(ourId);
  const session = new PeerSession(
    { fsm, peerAddress: PEER, peerPort: 179, families: [1, 2] },
    { transport, clock, random: () => 0.5 },
    { stateChange: (c) => states.push(c) },
  );
  network.listen(ourId, 179, (socket) => session.acceptIncoming(socket));
  /** The peer opens a connection to us. */
  const peerConnects = (): TestPeerConnection =>
    new TestPeerConnection(network.transport(PEER).connect({ host: ourId, port: 179 }));
  return { clock, session, peerListener, peerConnects, states, pending };
}

async function finishOpen(connection: TestPeerConnection): Promise<void> {
  connection.sendOpen({ asn: ASN, bgpIdentifier: PEER });
}

describe('connection collisions (RFC 4271 §6.8)', () => {
  it('keeps the connection the peer initiated when its identifier is higher', async () => {
    const env = setup('10.0.0.1');
    env.session.start();
    const outgoing = await env.peerListener.next();
    await outgoing.nextOf('open');
    const incoming = env.peerConnects();
    await incoming.nextOf('open'); // tracked alongside, in OpenSent
    await finishOpen(outgoing);
    await finishOpen(incoming);
    expect(await outgoing.nextOf('notification')).toMatchObject({ code: 6, subcode: 7 });
    await outgoing.waitClosed();
    await incoming.nextOf('keepalive');
    incoming.sendMessage({ type: 'keepalive' });
    await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
    expect(incoming.closedNow).toBe(false);
    expect(incoming.received.some((r) => r.message?.type === 'notification')).toBe(false);
    // Keepalives go over the surviving connection.
    env.clock.advance(30_000);
    await incoming.nextOf('keepalive');
  });

  it('keeps our own connection when our identifier is higher', async () => {
    const env = setup('10.0.0.5');
    env.session.start();
    const outgoing = await env.peerListener.next();
    await outgoing.nextOf('open');
    const incoming = env.peerConnects();
    await incoming.nextOf('open');
    await finishOpen(incoming);
    await finishOpen(outgoing);
    expect(await incoming.nextOf('notification')).toMatchObject({ code: 6, subcode: 7 });
    await incoming.waitClosed();
    await outgoing.nextOf('keepalive');
    outgoing.sendMessage({ type: 'keepalive' });
    await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
    expect(outgoing.closedNow).toBe(false);
  });

  it('resolves the collision when our connection is already in OpenConfirm', async () => {
    const env = setup('10.0.0.1');
    env.session.start();
    const outgoing = await env.peerListener.next();
    await outgoing.nextOf('open');
    await finishOpen(outgoing);
    await outgoing.nextOf('keepalive'); // OpenConfirm
    expect(env.session.state).toBe('OpenConfirm');
    const incoming = env.peerConnects();
    await incoming.nextOf('open');
    await finishOpen(incoming);
    expect(await outgoing.nextOf('notification')).toMatchObject({ code: 6, subcode: 7 });
    await incoming.nextOf('keepalive');
    incoming.sendMessage({ type: 'keepalive' });
    await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
    expect(env.states.map((s) => s.reason).join('\n')).toMatch(/collision/);
  });

  it('refuses a new connection while Established, with Cease 6/7, and stays up', async () => {
    const env = setup('10.0.0.1');
    env.session.start();
    const outgoing = await env.peerListener.next();
    await outgoing.nextOf('open');
    await finishOpen(outgoing);
    await outgoing.nextOf('keepalive');
    outgoing.sendMessage({ type: 'keepalive' });
    await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
    const late = env.peerConnects();
    expect(await late.nextOf('notification')).toMatchObject({ code: 6, subcode: 7 });
    await late.waitClosed();
    await settle();
    expect(env.session.state).toBe('Established');
    expect(outgoing.closedNow).toBe(false);
  });

  it('adopts the peer connection while our own attempt still hangs in Connect', async () => {
    const env = setup('10.0.0.1', { connectNever: true });
    env.session.start();
    await settle();
    expect(env.session.state).toBe('Connect');
    const incoming = env.peerConnects();
    await incoming.nextOf('open');
    expect(env.pending[0]!.isClosed).toBe(true);
    await finishOpen(incoming);
    await incoming.nextOf('keepalive');
    incoming.sendMessage({ type: 'keepalive' });
    await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
  });

  it('a passive session waits in Active, never connects, and accepts the peer', async () => {
    const env = setup('10.0.0.1', { passive: true });
    env.session.start();
    env.clock.advance(600_000);
    await settle();
    expect(env.session.state).toBe('Active');
    expect(env.peerListener.all).toHaveLength(0);
    const incoming = env.peerConnects();
    await incoming.nextOf('open');
    await finishOpen(incoming);
    await incoming.nextOf('keepalive');
    incoming.sendMessage({ type: 'keepalive' });
    await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
  });

  it('refuses connections before start and after stop', async () => {
    const env = setup('10.0.0.1', { passive: true });
    const early = env.peerConnects();
    await early.waitClosed();
    env.session.start();
    env.session.stop();
    const late = env.peerConnects();
    await late.waitClosed();
    expect(early.received).toEqual([]);
    expect(late.received).toEqual([]);
  });
});
