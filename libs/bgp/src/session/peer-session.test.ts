import { describe, expect, it } from 'vitest';

import type { BgpDecodeError } from '../codec';
import type { NotificationMessage, OpenMessage, UpdateMessage } from '../codec/types';
import type { FsmConfig } from '../fsm';
import { FakeClock } from '../testing/fake-clock';

import { malformed } from '../testing/malformed';

import { MemoryNetwork, type MemorySocket } from '../testing/memory-transport';

import { AcceptQueue, TestPeerConnection } from '../testing/test-peer';

import { settle } from '../testing/wait';
import { PeerSession, type PeerSessionOptions, type SessionInfo, type StateChange } from './index';
import { pollUntil } from '@isthmus/testing';

const US = '10.0.0.1';
const PEER = '10.0.0.2';
const ASN = 64511;

function fsmConfig(overrides: Partial<FsmConfig> = {}): FsmConfig {
  return {
    localAsn: ASN,
    bgpIdentifier: US,
    peerAsn: ASN,
    holdTimeSeconds: 90,
    openSentHoldSeconds: 240,
    passive: false,
    automaticRestart: true,
    connectRetry: { initialSeconds: 1, maxSeconds: 8 },
    ...overrides,
  };
}

interface Recorded {
  states: StateChange[];
  established: SessionInfo[];
  down: string[];
  updates: { update: UpdateMessage; errors: BgpDecodeError[] }[];
  notificationsSent: { code: number; subcode: number }[];
  notificationsReceived: NotificationMessage[];
  errors: Error[];
}

function setup(
  options: Partial<PeerSessionOptions> = {},
  fsm: Partial<FsmConfig> = {},
  highWaterMark?: number,
) {
  const clock = new FakeClock();
  const network = new MemoryNetwork();
  const peers = new AcceptQueue();
  network.listen(PEER, 179, (socket) => peers.push(new TestPeerConnection(socket)));
  const recorded: Recorded = {
    states: [],
    established: [],
    down: [],
    updates: [],
    notificationsSent: [],
    notificationsReceived: [],
    errors: [],
  };
  const session = new PeerSession(
    { fsm: fsmConfig(fsm), peerAddress: PEER, peerPort: 179, families: [1, 2], ...options },
    // random 1 - ε: jitter factor ≈ 1, so timers fire at their base value
    { transport: network.transport(US, highWaterMark), clock, random: () => 0.999999 },
    {
      stateChange: (c) => recorded.states.push(c),
      established: (i) => recorded.established.push(i),
      down: (r) => recorded.down.push(r),
      update: (update, errors) => recorded.updates.push({ update, errors }),
      notificationSent: (n) => recorded.notificationsSent.push({ code: n.code, subcode: n.subcode }),
      notificationReceived: (n) => recorded.notificationsReceived.push(n),
      error: (e) => recorded.errors.push(e),
    },
  );
  return { clock, network, peers, session, recorded };
}

/** Our session connects to the test peer; the test peer completes the OPEN exchange. */
async function establish(
  env: ReturnType<typeof setup>,
  open: { holdTimeSeconds?: number; bgpIdentifier?: string } = {},
): Promise<{ peer: TestPeerConnection; ourOpen: OpenMessage }> {
  env.session.start();
  const peer = await env.peers.next();
  const ourOpen = await peer.nextOf('open');
  peer.sendOpen({
    asn: ASN,
    bgpIdentifier: open.bgpIdentifier ?? PEER,
    holdTimeSeconds: open.holdTimeSeconds ?? 90,
  });
  await peer.nextOf('keepalive');
  peer.sendMessage({ type: 'keepalive' });
  await pollUntil('Established', () => env.session.state === 'Established', { intervalMs: 2 });
  return { peer, ourOpen };
}

describe('PeerSession over in-memory sockets with a fake clock', () => {
  it('opens with our capabilities and goes Idle → Connect → OpenSent → OpenConfirm → Established', async () => {
    const env = setup({ gracefulRestart: { restartTimeSeconds: 120, restarting: true } });
    const { ourOpen } = await establish(env);
    expect(ourOpen).toMatchObject({ version: 4, myAs: ASN, holdTimeSeconds: 90, bgpIdentifier: US });
    expect(ourOpen.capabilities).toEqual(
      expect.arrayContaining([
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: ASN },
        {
          kind: 'graceful-restart',
          restarting: true,
          restartTimeSeconds: 120,
          families: [
            { afi: 1, safi: 1, forwardingPreserved: true },
            { afi: 2, safi: 1, forwardingPreserved: true },
          ],
        },
      ]),
    );
    expect(env.recorded.states.map((s) => s.to)).toEqual([
      'Connect',
      'OpenSent',
      'OpenConfirm',
      'Established',
    ]);
    expect(env.recorded.established).toHaveLength(1);
    expect(env.recorded.established[0]).toMatchObject({
      families: [1, 2],
      ctx: { fourOctetAs: true, ibgp: true },
      accepted: { holdTimeSeconds: 90, keepaliveSeconds: 30, peerBgpIdentifier: PEER },
    });
  });

  it('sends keepalives at a third of the hold time and resets with 4/0 when the peer goes silent', async () => {
    const env = setup();
    const { peer } = await establish(env, { holdTimeSeconds: 9 });
    const keepalivesBefore = peer.received.filter((r) => r.message?.type === 'keepalive').length;
    env.clock.advance(3_000);
    await peer.nextOf('keepalive');
    env.clock.advance(3_000);
    await peer.nextOf('keepalive');
    expect(peer.received.filter((r) => r.message?.type === 'keepalive').length).toBe(keepalivesBefore + 2);
    expect(env.session.state).toBe('Established');

    env.clock.advance(3_000); // 9 s without a message from the peer
    const notification = await peer.nextOf('notification');
    expect(notification).toMatchObject({ code: 4, subcode: 0 });
    expect(env.session.state).toBe('Idle');
    expect(env.recorded.down).toHaveLength(1);
    await peer.waitClosed();

    // Automatic restart after the back-off (1 s for the first failure).
    env.clock.advance(999);
    await settle();
    expect(env.session.state).toBe('Idle');
    env.clock.advance(1);
    const again = await env.peers.next();
    expect(await again.nextOf('open')).toMatchObject({ bgpIdentifier: US });
  });

  it('the peer keeps the session up by sending keepalives', async () => {
    const env = setup();
    const { peer } = await establish(env, { holdTimeSeconds: 9 });
    for (let i = 0; i < 5; i++) {
      env.clock.advance(5_000);
      peer.sendMessage({ type: 'keepalive' });
      await settle();
    }
    expect(env.session.state).toBe('Established');
    expect(env.recorded.notificationsSent).toEqual([]);
  });

  it('hold time 0: no keepalives and no hold timer at all', async () => {
    const env = setup({}, { holdTimeSeconds: 0 });
    const { peer } = await establish(env, { holdTimeSeconds: 90 });
    const before = peer.received.length;
    env.clock.advance(3_600_000);
    await settle();
    expect(env.session.state).toBe('Established');
    expect(peer.received.length).toBe(before);
    expect(env.clock.nextTimerIn()).toBeUndefined();
  });

  it.each([
    ['OPEN with hold time 1', () => malformed.openWithHoldTime(1, ASN, PEER), [2, 6]],
    ['OPEN with hold time 2', () => malformed.openWithHoldTime(2, ASN, PEER), [2, 6]],
    ['OPEN from another AS', () => malformed.openWithHoldTime(90, 64512, PEER), [2, 2]],
    ['a bad marker', () => malformed.badMarker(), [1, 1]],
    ['a bad length', () => malformed.badLength(), [1, 2]],
    ['an unknown message type', () => malformed.unknownType(), [1, 3]],
  ])('answers %s in OpenSent with its NOTIFICATION and closes', async (_, bytes, [code, subcode]) => {
    const env = setup();
    env.session.start();
    const peer = await env.peers.next();
    await peer.nextOf('open');
    peer.send(bytes());
    expect(await peer.nextOf('notification')).toMatchObject({ code, subcode });
    await peer.waitClosed();
    expect(env.session.state).toBe('Idle');
    expect(env.recorded.notificationsSent).toEqual([{ code, subcode }]);
  });

  it.each([
    ['a bad marker', () => malformed.badMarker(), [1, 1, []]],
    ['a bad length', () => malformed.badLength(), [1, 2, [0, 18]]],
    ['an unknown message type', () => malformed.unknownType(9), [1, 3, [9]]],
    ['NLRI that cannot be parsed', () => malformed.truncatedNlri(), [3, 10, []]],
    [
      'an unrecognized well-known attribute',
      () => malformed.unrecognizedWellKnown(),
      [3, 2, [0x40, 99, 1, 0]],
    ],
    ['MP_UNREACH_NLRI with wrong flags', () => malformed.badMpUnreachFlags(), [3, 4, [0x40, 15, 3, 0, 2, 1]]],
    ['an OPEN', () => malformed.openWithHoldTime(90, ASN, PEER), [5, 3, [1]]],
  ] as [string, () => Uint8Array, [number, number, number[]]][])(
    'answers %s in Established with the NOTIFICATION the RFCs prescribe',
    async (_, bytes, [code, subcode, data]) => {
      const env = setup();
      const { peer } = await establish(env);
      peer.send(bytes());
      const n = await peer.nextOf('notification');
      expect(n).toMatchObject({ code, subcode });
      expect([...n.data]).toEqual(data);
      await peer.waitClosed();
      expect(env.session.state).toBe('Idle');
      expect(env.recorded.down).toHaveLength(1);
      expect(env.recorded.errors).toEqual([]);
    },
  );

  it.each([
    ['ORIGIN with wrong flags', () => malformed.badOriginFlags()],
    ['ORIGIN missing', () => malformed.missingOrigin()],
  ])('treat-as-withdraw (RFC 7606): %s keeps the session and withdraws the route', async (_, bytes) => {
    const env = setup();
    const { peer } = await establish(env);
    peer.send(malformed.announce());
    await pollUntil('the announcement', () => env.recorded.updates.length === 1, { intervalMs: 2 });
    expect(env.recorded.updates[0]!.update.nlri).toEqual(['10.1.0.0/26']);
    peer.send(bytes());
    await pollUntil('the malformed UPDATE', () => env.recorded.updates.length === 2, { intervalMs: 2 });
    const { update, errors } = env.recorded.updates[1]!;
    expect(update.nlri).toEqual([]);
    expect(update.withdrawn).toEqual(['10.1.0.0/26']);
    expect(errors.map((e) => e.handling)).toContain('treat-as-withdraw');
    peer.sendMessage({ type: 'keepalive' });
    await settle();
    expect(env.session.state).toBe('Established');
    expect(peer.received.some((r) => r.message?.type === 'notification')).toBe(false);
  });

  it('a NOTIFICATION from the peer ends the session without an answer', async () => {
    const env = setup();
    const { peer } = await establish(env);
    peer.sendMessage({ type: 'notification', code: 6, subcode: 4, data: new Uint8Array(0) });
    await pollUntil('Idle', () => env.session.state === 'Idle', { intervalMs: 2 });
    expect(env.recorded.notificationsReceived).toMatchObject([{ code: 6, subcode: 4 }]);
    expect(env.recorded.notificationsSent).toEqual([]);
    expect(env.recorded.states.at(-1)?.reason).toMatch(/NOTIFICATION 6\/4 received/);
  });

  it('backs off exponentially while the peer refuses connections, and connects once it listens', async () => {
    const env = setup();
    const network = new MemoryNetwork(); // nobody listens here
    const attempts: number[] = [];
    const transport = network.transport(US);
    const counting = {
      connect: (o: Parameters<typeof transport.connect>[0]) => {
        attempts.push(env.clock.now());
        return transport.connect(o);
      },
    };
    const counted = new PeerSession(
      { fsm: fsmConfig(), peerAddress: PEER, peerPort: 179, families: [1] },
      { transport: counting, clock: env.clock, random: () => 0.999999 },
      {},
    );
    counted.start();
    for (let i = 0; i < 6; i++) {
      await pollUntil('Idle after a refused connection', () => counted.state === 'Idle', { intervalMs: 2 });
      env.clock.advance(env.clock.nextTimerIn() ?? 0);
    }
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);

    const peers = new AcceptQueue();
    network.listen(PEER, 179, (s) => peers.push(new TestPeerConnection(s)));
    await pollUntil('Idle', () => counted.state === 'Idle', { intervalMs: 2 });
    env.clock.advance(env.clock.nextTimerIn() ?? 0);
    const peer = await peers.next();
    expect(await peer.nextOf('open')).toMatchObject({ bgpIdentifier: US });
    counted.stop();
  });

  it('a manual stop sends Cease 6/2; a graceful one just closes (RFC 4724 §4.2)', async () => {
    for (const graceful of [false, true]) {
      const env = setup({ gracefulRestart: { restartTimeSeconds: 120, restarting: false } });
      const { peer } = await establish(env);
      env.session.stop({ graceful });
      await peer.waitClosed();
      const notifications = peer.received.filter((r) => r.message?.type === 'notification');
      expect(notifications.map((r) => r.message)).toEqual(
        graceful ? [] : [{ type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) }],
      );
      expect(env.session.state).toBe('Idle');
      env.clock.advance(600_000);
      await settle();
      expect(env.peers.all).toHaveLength(1); // no restart after a manual stop
    }
  });

  it('sets the R bit only in the first session after a restart (RFC 4724 §4.1)', async () => {
    const env = setup({ gracefulRestart: { restartTimeSeconds: 60, restarting: true } });
    const { peer } = await establish(env);
    peer.destroy();
    await pollUntil('Idle', () => env.session.state === 'Idle', { intervalMs: 2 });
    env.clock.advance(env.clock.nextTimerIn() ?? 0);
    const again = await env.peers.next();
    const open = await again.nextOf('open');
    expect(open.capabilities.find((c) => c.kind === 'graceful-restart')).toMatchObject({ restarting: false });
  });

  it('writes a large burst in bounded batches, waiting for drain, and loses nothing', async () => {
    const env = setup({}, {}, 4 * 1024);
    const sockets: MemorySocket[] = [];
    const transport = env.network.transport(US, 4 * 1024);
    const session = new PeerSession(
      { fsm: fsmConfig(), peerAddress: PEER, peerPort: 179, families: [1] },
      {
        transport: { connect: (o) => sockets[sockets.push(transport.connect(o) as MemorySocket) - 1]! },
        clock: env.clock,
        random: () => 0.5,
      },
      {},
    );
    const { peer } = await establish({ ...env, session });
    // 10.<i >> 8>.<i & 255>.0/26: the 2nd and 3rd octets of the NLRI of the announce() UPDATE.
    const updates = Array.from({ length: 3000 }, (_, i) =>
      malformed.announce().map((b, j) => (j === 39 ? i >> 8 : j === 40 ? i & 0xff : b)),
    );
    session.sendUpdates(updates);
    expect(session.writable).toBe(false);
    await pollUntil(
      'all UPDATEs',
      () => peer.received.filter((r) => r.message?.type === 'update').length === 3000,
      { intervalMs: 2 },
    );
    await pollUntil('writable again', () => session.writable, { intervalMs: 2 });
    const nlri = peer.received.flatMap((r) => (r.message?.type === 'update' ? r.message.nlri : []));
    expect(nlri).toEqual(Array.from({ length: 3000 }, (_, i) => `10.${i >> 8}.${i & 0xff}.0/26`));
    const writes = sockets[0]!.written.map((w) => w.length);
    expect(Math.max(...writes)).toBeLessThanOrEqual(64 * 1024 + 4096); // a batch ends with the message that crosses 64 KiB
    expect(writes.length).toBeGreaterThan(3);
    session.stop();
  });

  it('an UPDATE source that throws resets the session with Cease instead of crashing', async () => {
    const env = setup();
    const { peer } = await establish(env);
    env.session.sendUpdates(
      (function* () {
        yield malformed.announce();
        throw new Error('encoder bug');
      })(),
    );
    const n = await peer.nextOf('notification');
    expect(n).toMatchObject({ code: 6, subcode: 0 });
    await pollUntil('Idle', () => env.session.state === 'Idle', { intervalMs: 2 });
    expect(env.recorded.errors.map((e) => e.message)).toEqual(['encoder bug']);
  });

  it('handler errors are reported, never thrown into the socket callbacks', async () => {
    const env = setup();
    const errors: Error[] = [];
    const session = new PeerSession(
      { fsm: fsmConfig(), peerAddress: PEER, peerPort: 179, families: [1] },
      { transport: env.network.transport(US), clock: env.clock, random: () => 0.5 },
      {
        stateChange: () => {
          throw new Error('observer bug');
        },
        error: (e) => errors.push(e),
      },
    );
    await establish({ ...env, session });
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors.every((e) => e.message === 'observer bug')).toBe(true);
  });
});
