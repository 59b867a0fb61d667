import { describe, expect, it } from 'vitest';
import { BgpDecodeError } from '../codec/errors';
import type { OpenMessage } from '../codec/types';
import type { FsmAction, FsmConfig, FsmData, FsmEvent, Transition } from './index';
import { initialFsmData, notificationEvent, step } from './index';

const config: FsmConfig = {
  localAsn: 64511,
  bgpIdentifier: '10.0.0.1',
  peerAsn: 64511,
  holdTimeSeconds: 90,
  openSentHoldSeconds: 240,
  passive: false,
  automaticRestart: true,
  connectRetry: { initialSeconds: 1, maxSeconds: 60 },
};

const peerOpen: OpenMessage = {
  type: 'open',
  version: 4,
  myAs: 64511,
  holdTimeSeconds: 30,
  bgpIdentifier: '10.0.0.2',
  capabilities: [{ kind: 'four-octet-as', asn: 64511 }],
};

const NONE = new Uint8Array(0);
const emptyUpdate = { type: 'update' as const, withdrawn: [], attributes: {}, nlri: [] };

/** The data of a connection that has reached `state` by the usual path. */
function inState(state: FsmData['state'], overrides: Partial<FsmConfig> = {}): FsmData {
  let data = initialFsmData({ ...config, ...overrides });
  const path: FsmEvent[] = [
    { type: 'ManualStart' },
    { type: 'Tcp_CR_Acked' },
    { type: 'BGPOpen', open: peerOpen },
    { type: 'KeepAliveMsg' },
  ];
  const order = ['Idle', 'Connect', 'OpenSent', 'OpenConfirm', 'Established'];
  if (state === 'Active') return step(data, { type: 'ManualStart_with_PassiveTcpEstablishment' }).next;
  for (const event of path.slice(0, order.indexOf(state))) data = step(data, event).next;
  expect(data.state).toBe(state);
  return data;
}

function kinds(t: Transition): string[] {
  return t.actions.map((a) => a.type);
}

function notificationOf(t: Transition): Extract<FsmAction, { type: 'sendNotification' }> | undefined {
  return t.actions.find(
    (a): a is Extract<FsmAction, { type: 'sendNotification' }> => a.type === 'sendNotification',
  );
}

function timer(t: Transition, name: string): Extract<FsmAction, { type: 'startTimer' }> | undefined {
  return t.actions.find(
    (a): a is Extract<FsmAction, { type: 'startTimer' }> => a.type === 'startTimer' && a.timer === name,
  );
}

const updateErr: FsmEvent = {
  type: 'UpdateMsgErr',
  error: { code: 3, subcode: 3, data: new Uint8Array([1]) },
  why: 'missing ORIGIN',
};
const headerErr: FsmEvent = {
  type: 'BGPHeaderErr',
  error: { code: 1, subcode: 3, data: new Uint8Array([9]) },
  why: 'unknown message type 9',
};
const cease = { type: 'notification' as const, code: 6, subcode: 2, data: NONE };

// [state, event, next state, [code, subcode] of the NOTIFICATION sent or null, actions expected]
type Row = [FsmData['state'], FsmEvent, FsmData['state'], [number, number] | null, string[]];
const table: Row[] = [
  // Idle
  ['Idle', { type: 'ManualStart' }, 'Connect', null, ['connect']],
  ['Idle', { type: 'ManualStart_with_PassiveTcpEstablishment' }, 'Active', null, []],
  ['Idle', { type: 'IdleHoldTimer_Expires' }, 'Connect', null, ['connect']],
  ['Idle', { type: 'TcpConnectionConfirmed' }, 'Idle', null, []],
  ['Idle', { type: 'KeepAliveMsg' }, 'Idle', null, []],
  ['Idle', { type: 'ManualStop' }, 'Idle', null, []],
  // Connect
  ['Connect', { type: 'ManualStart' }, 'Connect', null, []],
  ['Connect', { type: 'Tcp_CR_Acked' }, 'OpenSent', null, ['sendOpen']],
  ['Connect', { type: 'TcpConnectionConfirmed' }, 'OpenSent', null, ['sendOpen']],
  ['Connect', { type: 'ConnectRetryTimer_Expires' }, 'Connect', null, ['dropConnection', 'connect']],
  ['Connect', { type: 'TcpConnectionFails', why: 'ECONNREFUSED' }, 'Idle', null, ['dropConnection']],
  ['Connect', { type: 'ManualStop' }, 'Idle', null, ['dropConnection']],
  ['Connect', { type: 'HoldTimer_Expires' }, 'Idle', null, ['dropConnection']],
  // Active
  ['Active', { type: 'TcpConnectionConfirmed' }, 'OpenSent', null, ['sendOpen']],
  ['Active', { type: 'ConnectRetryTimer_Expires' }, 'Connect', null, ['connect']],
  ['Active', { type: 'TcpConnectionFails', why: 'reset' }, 'Idle', null, []],
  ['Active', { type: 'ManualStop' }, 'Idle', null, []],
  ['Active', { type: 'NotifMsg', notification: cease }, 'Idle', null, []],
  // OpenSent
  ['OpenSent', { type: 'BGPOpen', open: peerOpen }, 'OpenConfirm', null, ['sendKeepalive', 'openAccepted']],
  ['OpenSent', { type: 'HoldTimer_Expires' }, 'Idle', [4, 0], ['dropConnection']],
  ['OpenSent', { type: 'TcpConnectionFails', why: 'reset' }, 'Active', null, ['dropConnection']],
  ['OpenSent', { type: 'ManualStop' }, 'Idle', [6, 2], ['dropConnection']],
  ['OpenSent', { type: 'AutomaticStop', subcode: 8, why: 'out of memory' }, 'Idle', [6, 8], []],
  ['OpenSent', headerErr, 'Idle', [1, 3], ['dropConnection']],
  ['OpenSent', { type: 'OpenCollisionDump' }, 'Idle', [6, 7], ['dropConnection']],
  ['OpenSent', { type: 'NotifMsg', notification: cease }, 'Idle', null, ['dropConnection']],
  ['OpenSent', { type: 'KeepAliveMsg' }, 'Idle', [5, 1], ['dropConnection']],
  ['OpenSent', { type: 'UpdateMsg', update: emptyUpdate, errors: [] }, 'Idle', [5, 1], []],
  ['OpenSent', { type: 'ConnectRetryTimer_Expires' }, 'Idle', [5, 0], []],
  // OpenConfirm
  ['OpenConfirm', { type: 'KeepAliveMsg' }, 'Established', null, ['established']],
  ['OpenConfirm', { type: 'KeepaliveTimer_Expires' }, 'OpenConfirm', null, ['sendKeepalive']],
  ['OpenConfirm', { type: 'HoldTimer_Expires' }, 'Idle', [4, 0], ['dropConnection']],
  ['OpenConfirm', { type: 'ManualStop' }, 'Idle', [6, 2], ['dropConnection']],
  ['OpenConfirm', { type: 'OpenCollisionDump' }, 'Idle', [6, 7], ['dropConnection']],
  ['OpenConfirm', { type: 'TcpConnectionFails', why: 'reset' }, 'Idle', null, ['dropConnection']],
  ['OpenConfirm', { type: 'NotifMsg', notification: cease }, 'Idle', null, ['dropConnection']],
  ['OpenConfirm', { type: 'BGPOpen', open: peerOpen }, 'Idle', [5, 2], ['dropConnection']],
  ['OpenConfirm', { type: 'UpdateMsg', update: emptyUpdate, errors: [] }, 'Idle', [5, 2], []],
  ['OpenConfirm', headerErr, 'Idle', [1, 3], []],
  // Established
  ['Established', { type: 'KeepAliveMsg' }, 'Established', null, ['startTimer']],
  ['Established', { type: 'KeepaliveTimer_Expires' }, 'Established', null, ['sendKeepalive', 'startTimer']],
  [
    'Established',
    { type: 'UpdateMsg', update: emptyUpdate, errors: [] },
    'Established',
    null,
    ['deliverUpdate'],
  ],
  ['Established', { type: 'RouteRefreshMsg', afi: 2, safi: 1 }, 'Established', null, ['deliverRouteRefresh']],
  ['Established', { type: 'HoldTimer_Expires' }, 'Idle', [4, 0], ['dropConnection', 'down']],
  ['Established', updateErr, 'Idle', [3, 3], ['dropConnection', 'down']],
  ['Established', headerErr, 'Idle', [1, 3], ['dropConnection', 'down']],
  [
    'Established',
    { type: 'RouteRefreshMsgErr', error: { code: 7, subcode: 1, data: NONE }, why: 'bad length' },
    'Idle',
    [7, 1],
    ['down'],
  ],
  ['Established', { type: 'ManualStop' }, 'Idle', [6, 2], ['dropConnection', 'down']],
  ['Established', { type: 'TcpConnectionFails', why: 'reset' }, 'Idle', null, ['dropConnection', 'down']],
  ['Established', { type: 'NotifMsg', notification: cease }, 'Idle', null, ['dropConnection', 'down']],
  ['Established', { type: 'BGPOpen', open: peerOpen }, 'Idle', [5, 3], ['down']],
  ['Established', { type: 'OpenCollisionDump' }, 'Established', null, []],
  ['Established', { type: 'ConnectRetryTimer_Expires' }, 'Idle', [5, 0], ['down']],
];

describe('FSM transitions (RFC 4271 §8.2.2)', () => {
  it.each(table)('%s + %o → %s', (state, event, next, notification, expected) => {
    const t = step(inState(state), event);
    expect(t.next.state).toBe(next);
    const sent = notificationOf(t);
    expect(sent ? [sent.code, sent.subcode] : null).toEqual(notification);
    expect(kinds(t)).toEqual(expect.arrayContaining(expected));
    expect(t.reason).not.toBe('');
  });

  it('never sends a NOTIFICATION before a BGP connection exists, nor drops one that is not there', () => {
    for (const event of [{ type: 'ManualStop' }, { type: 'KeepAliveMsg' }] as FsmEvent[]) {
      expect(notificationOf(step(inState('Connect'), event))).toBeUndefined();
      expect(kinds(step(inState('Idle'), event))).not.toContain('dropConnection');
    }
  });

  it('says down only when leaving Established', () => {
    for (const state of ['Connect', 'OpenSent', 'OpenConfirm'] as const) {
      expect(kinds(step(inState(state), { type: 'HoldTimer_Expires' }))).not.toContain('down');
    }
  });
});

describe('OPEN handling (RFC 4271 §6.2, §4.2)', () => {
  const withOpen = (open: Partial<OpenMessage>) =>
    step(inState('OpenSent'), { type: 'BGPOpen', open: { ...peerOpen, ...open } });

  it.each([
    ['version 3', { version: 3 }, 1, [0, 4]],
    ['another AS', { myAs: 64512, capabilities: [] }, 2, []],
    [
      'another AS in the four-octet capability',
      { capabilities: [{ kind: 'four-octet-as', asn: 4200000000 }] },
      2,
      [],
    ],
    ['identifier 0.0.0.0', { bgpIdentifier: '0.0.0.0' }, 3, []],
    ['our own identifier on iBGP', { bgpIdentifier: '10.0.0.1' }, 3, []],
    ['hold time 1', { holdTimeSeconds: 1 }, 6, []],
    ['hold time 2', { holdTimeSeconds: 2 }, 6, []],
  ] as [string, Partial<OpenMessage>, number, number[]][])(
    '%s → NOTIFICATION 2/%i',
    (_, open, subcode, data) => {
      const t = withOpen(open);
      expect(t.next.state).toBe('Idle');
      const n = notificationOf(t);
      expect(n).toMatchObject({ code: 2, subcode });
      expect([...n!.data]).toEqual(data);
      expect(kinds(t)).toContain('dropConnection');
    },
  );

  it('refuses a peer whose BGP identifier is not the configured one, and accepts the configured one', () => {
    const refused = step(inState('OpenSent', { peerBgpIdentifier: '10.0.0.9' }), {
      type: 'BGPOpen',
      open: peerOpen,
    });
    expect(refused.next.state).toBe('Idle');
    expect(notificationOf(refused)).toMatchObject({ code: 2, subcode: 3 });
    const accepted = step(inState('OpenSent', { peerBgpIdentifier: '10.0.0.2' }), {
      type: 'BGPOpen',
      open: peerOpen,
    });
    expect(accepted.next.state).toBe('OpenConfirm');
  });

  it('takes the real ASN from the four-octet-as capability (RFC 6793 §4.1)', () => {
    const data = inState('OpenSent', { peerAsn: 4200000000 });
    const open: OpenMessage = {
      ...peerOpen,
      myAs: 23456,
      capabilities: [{ kind: 'four-octet-as', asn: 4200000000 }],
    };
    const t = step(data, { type: 'BGPOpen', open });
    expect(t.next.state).toBe('OpenConfirm');
    expect(t.next.accepted?.peerAsn).toBe(4200000000);
  });

  it.each([
    [90, 30, 30, 10],
    [90, 180, 90, 30],
    [10, 3, 3, 1],
    [90, 4, 4, 1],
  ])('ours %i s, theirs %i s → hold %i s, keepalive %i s', (ours, theirs, hold, keepalive) => {
    const t = step(inState('OpenSent', { holdTimeSeconds: ours }), {
      type: 'BGPOpen',
      open: { ...peerOpen, holdTimeSeconds: theirs },
    });
    expect(t.next.accepted).toMatchObject({ holdTimeSeconds: hold, keepaliveSeconds: keepalive });
    expect(timer(t, 'hold')?.seconds).toBe(hold);
    expect(timer(t, 'keepalive')).toMatchObject({ seconds: keepalive, jitter: true });
  });

  it('hold time 0 on either side: no hold timer and no keepalives, ever', () => {
    const pairs: [number, number][] = [
      [0, 90],
      [90, 0],
    ];
    for (const [ours, theirs] of pairs) {
      let data = inState('OpenSent', { holdTimeSeconds: ours });
      const opened = step(data, { type: 'BGPOpen', open: { ...peerOpen, holdTimeSeconds: theirs } });
      expect(opened.next.accepted?.holdTimeSeconds).toBe(0);
      expect(opened.actions).toContainEqual({ type: 'stopTimer', timer: 'hold' });
      expect(timer(opened, 'keepalive')).toBeUndefined();
      data = opened.next;
      const up = step(data, { type: 'KeepAliveMsg' });
      expect(up.next.state).toBe('Established');
      expect(timer(up, 'hold')).toBeUndefined();
      expect(timer(step(up.next, { type: 'KeepAliveMsg' }), 'hold')).toBeUndefined();
    }
  });

  it('waits for the OPEN with the large OpenSent hold timer (§8.2.2: 4 minutes)', () => {
    const t = step(inState('Connect'), { type: 'Tcp_CR_Acked' });
    expect(timer(t, 'hold')).toMatchObject({ seconds: 240, jitter: false });
  });

  it('keeps the peer OPEN for the session, and forgets it in Idle', () => {
    const data = inState('Established');
    expect(data.peerOpen).toEqual(peerOpen);
    const down = step(data, { type: 'HoldTimer_Expires' }).next;
    expect(down.peerOpen).toBeUndefined();
    expect(down.accepted).toBeUndefined();
  });
});

describe('Established', () => {
  it('restarts the negotiated hold timer on every message received (RFC 4271 §6.5)', () => {
    const data = inState('Established');
    for (const event of [
      { type: 'KeepAliveMsg' },
      { type: 'UpdateMsg', update: emptyUpdate, errors: [] },
      { type: 'RouteRefreshMsg', afi: 1, safi: 1 },
    ] as FsmEvent[]) {
      expect(timer(step(data, event), 'hold')).toMatchObject({ seconds: 30, jitter: false });
    }
  });

  it('treat-as-withdraw (RFC 7606 §2) keeps the session up and delivers the withdrawal', () => {
    const error = new BgpDecodeError(3, 1, 'bad ORIGIN length', NONE, 'treat-as-withdraw');
    const update = { type: 'update' as const, withdrawn: ['192.0.2.0/26'], attributes: {}, nlri: [] };
    const t = step(inState('Established'), { type: 'UpdateMsg', update, errors: [error] });
    expect(t.next.state).toBe('Established');
    expect(t.actions).toContainEqual({ type: 'deliverUpdate', update, errors: [error] });
    expect(notificationOf(t)).toBeUndefined();
  });

  it('sends the NOTIFICATION before it drops the connection', () => {
    const t = step(inState('Established'), updateErr);
    const order = kinds(t);
    expect(order.indexOf('sendNotification')).toBeLessThan(order.indexOf('dropConnection'));
    expect(notificationOf(t)?.data).toEqual(new Uint8Array([1]));
  });

  it('a graceful stop closes without NOTIFICATION so the peer keeps our routes (RFC 4724 §4.2)', () => {
    const t = step(inState('Established'), { type: 'ManualStop', graceful: true });
    expect(t.next.state).toBe('Idle');
    expect(notificationOf(t)).toBeUndefined();
    expect(kinds(t)).toEqual(expect.arrayContaining(['dropConnection', 'down']));
    expect(timer(t, 'idleHold')).toBeUndefined();
  });
});

describe('unexpected messages name the state and the message type (RFC 6608)', () => {
  it.each([
    ['OpenSent', { type: 'KeepAliveMsg' }, 1, 4],
    ['OpenSent', { type: 'RouteRefreshMsg', afi: 1, safi: 1 }, 1, 5],
    ['OpenConfirm', { type: 'UpdateMsg', update: emptyUpdate, errors: [] }, 2, 2],
    ['Established', { type: 'BGPOpen', open: peerOpen }, 3, 1],
  ] as [FsmData['state'], FsmEvent, number, number][])(
    '%s + %o → 5/%i, data [%i]',
    (state, event, subcode, type) => {
      const n = notificationOf(step(inState(state), event));
      expect(n).toMatchObject({ code: 5, subcode });
      expect([...n!.data]).toEqual([type]);
    },
  );
});

describe('NOTIFICATION received', () => {
  it('classifies a version error as event 24, which does not count as a failure', () => {
    const versionError = { type: 'notification' as const, code: 2, subcode: 1, data: new Uint8Array([0, 4]) };
    const event = notificationEvent(versionError);
    expect(event.type).toBe('NotifMsgVerErr');
    const data = inState('OpenSent');
    expect(step(data, event).next.connectRetryCounter).toBe(data.connectRetryCounter);
    expect(notificationEvent(cease).type).toBe('NotifMsg');
    expect(step(data, notificationEvent(cease)).next.connectRetryCounter).toBe(data.connectRetryCounter + 1);
  });
});

describe('reconnect back-off (RFC 4271 §8.1.1, §10)', () => {
  function failOnce(data: FsmData): { data: FsmData; delay: number | undefined } {
    const up = step(data, { type: 'IdleHoldTimer_Expires' }).next;
    const failed = step(up, { type: 'TcpConnectionFails', why: 'ECONNREFUSED' });
    return { data: failed.next, delay: timer(failed, 'idleHold')?.seconds };
  }

  it('doubles the delay with every consecutive failure up to the maximum, with jitter', () => {
    let data = step(inState('Connect'), { type: 'TcpConnectionFails', why: 'ECONNREFUSED' }).next;
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      const r = failOnce(data);
      data = r.data;
      delays.push(r.delay);
    }
    expect(delays).toEqual([2, 4, 8, 16, 32, 60, 60, 60]);
    const first = step(inState('Connect'), { type: 'TcpConnectionFails', why: 'x' });
    expect(timer(first, 'idleHold')).toMatchObject({ seconds: 1, jitter: true });
  });

  it('starts over once a session was established', () => {
    let data = inState('Connect');
    for (let i = 0; i < 4; i++) data = failOnce(data).data;
    expect(data.connectRetryCounter).toBeGreaterThan(3);
    data = step(data, { type: 'IdleHoldTimer_Expires' }).next;
    for (const e of [
      { type: 'Tcp_CR_Acked' },
      { type: 'BGPOpen', open: peerOpen },
      { type: 'KeepAliveMsg' },
    ] as FsmEvent[])
      data = step(data, e).next;
    expect(data.state).toBe('Established');
    const down = step(data, { type: 'HoldTimer_Expires' });
    expect(timer(down, 'idleHold')?.seconds).toBe(1);
  });

  it('a manual stop neither restarts nor keeps the failure count', () => {
    const t = step(inState('OpenConfirm'), { type: 'ManualStop' });
    expect(t.next.connectRetryCounter).toBe(0);
    expect(timer(t, 'idleHold')).toBeUndefined();
  });

  it('without automatic restart, stays in Idle after a failure', () => {
    const t = step(inState('Established', { automaticRestart: false }), { type: 'HoldTimer_Expires' });
    expect(t.next.state).toBe('Idle');
    expect(timer(t, 'idleHold')).toBeUndefined();
  });

  it('a connect attempt that hangs is retried with a growing ConnectRetryTimer', () => {
    let data = inState('Connect');
    const seconds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = step(data, { type: 'ConnectRetryTimer_Expires' });
      seconds.push(timer(t, 'connectRetry')!.seconds);
      data = t.next;
    }
    expect(seconds).toEqual([2, 4, 8]);
  });
});

describe('passive peers (RFC 4271 §8.1.1 PassiveTcpEstablishment)', () => {
  it('wait in Active, never connect and run no ConnectRetryTimer', () => {
    const started = step(initialFsmData({ ...config, passive: true }), {
      type: 'ManualStart_with_PassiveTcpEstablishment',
    });
    expect(started.next.state).toBe('Active');
    expect(kinds(started)).not.toContain('connect');
    expect(timer(started, 'connectRetry')).toBeUndefined();
    const restarted = step({ ...started.next, state: 'Idle' }, { type: 'IdleHoldTimer_Expires' });
    expect(restarted.next.state).toBe('Active');
    expect(kinds(restarted)).not.toContain('connect');
  });

  it('go back to Active without a connect timer when the connection fails in OpenSent', () => {
    const data = step(inState('Active', { passive: true }), { type: 'TcpConnectionConfirmed' }).next;
    const t = step(data, { type: 'TcpConnectionFails', why: 'reset' });
    expect(t.next.state).toBe('Active');
    expect(timer(t, 'connectRetry')).toBeUndefined();
    const activePeer = step(inState('OpenSent'), { type: 'TcpConnectionFails', why: 'reset' });
    expect(timer(activePeer, 'connectRetry')).toBeDefined();
  });
});

describe('a whole session, step by step', () => {
  it('Idle → Connect → OpenSent → OpenConfirm → Established → Idle', () => {
    const events: FsmEvent[] = [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
      { type: 'BGPOpen', open: peerOpen },
      { type: 'KeepAliveMsg' },
      { type: 'UpdateMsg', update: emptyUpdate, errors: [] },
      { type: 'ManualStop' },
    ];
    let data = initialFsmData(config);
    const states: string[] = [];
    for (const e of events) {
      data = step(data, e).next;
      states.push(data.state);
    }
    expect(states).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established', 'Established', 'Idle']);
  });
});
