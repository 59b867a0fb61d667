// RFC 4271 §8.2.2, Idle state.
import { stay, type Transition } from './actions';
import type { FsmData } from './data';
import type { FsmEvent } from './events';
import { startActive, startPassive } from './starting';

export function idle(data: FsmData, event: FsmEvent): Transition {
  switch (event.type) {
    case 'ManualStart':
      return startActive(data, 0, 'manual start');
    case 'ManualStart_with_PassiveTcpEstablishment':
      return startPassive(data, 0, 'manual start, passive');
    case 'IdleHoldTimer_Expires':
      // The automatic restart after the back-off; the counter keeps growing until Established.
      return data.config.passive
        ? startPassive(data, data.connectRetryCounter, 'automatic restart, passive')
        : startActive(data, data.connectRetryCounter, 'automatic restart');
    default:
      // "Any other events … received in the Idle state do not cause change in the state"; an
      // offered TCP connection is refused by the session (see collision.ts).
      return stay(data, `${event.type} ignored in Idle`);
  }
}
