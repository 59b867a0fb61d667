// RFC 4271 §8.2.2, Active state (DelayOpen not implemented).
import { stay, type Transition } from './actions';
import type { FsmData } from './data';
import { automaticStop, connectionFailed, manualStop } from './ending';
import type { FsmEvent } from './events';
import { connectionUp, retryConnect } from './starting';

export function active(data: FsmData, event: FsmEvent): Transition {
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
      return stay(data, 'already started');
    case 'ManualStop':
      return manualStop(data, event);
    case 'AutomaticStop':
      return automaticStop(data, event);
    case 'ConnectRetryTimer_Expires':
      // Only reached by an active peer: a passive one never has the timer running.
      return retryConnect(data);
    case 'Tcp_CR_Acked':
      return connectionUp(data, 'connected to the peer, OPEN sent');
    case 'TcpConnectionConfirmed':
      return connectionUp(data, 'peer connected, OPEN sent');
    case 'TcpConnectionFails':
      return connectionFailed(data, `connection failed: ${event.why}`);
    default:
      return connectionFailed(data, `${event.type} unexpected in Active`);
  }
}
