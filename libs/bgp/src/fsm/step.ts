// RFC 4271 §8: one pure function per state; `step` picks the one for the current state.
import type { Transition } from './actions';
import { active } from './active';
import { connect } from './connect';
import type { FsmData } from './data';
import { established } from './established';
import type { FsmEvent } from './events';
import { idle } from './idle';
import { openConfirm } from './open-confirm';
import { openSent } from './open-sent';
import type { BgpState } from './states';

const BY_STATE: Record<BgpState, (data: FsmData, event: FsmEvent) => Transition> = {
  Idle: idle,
  Connect: connect,
  Active: active,
  OpenSent: openSent,
  OpenConfirm: openConfirm,
  Established: established,
};

export function step(data: FsmData, event: FsmEvent): Transition {
  return BY_STATE[data.state](data, event);
}
