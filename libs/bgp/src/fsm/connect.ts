// RFC 4271 §8.2.2, Connect state (DelayOpen not implemented).
import { stay, type Transition } from './actions';
import type { FsmData } from './data';
import { automaticStop, connectionFailed, manualStop } from './ending';
import type { FsmEvent } from './events';
import { connectionUp, retryConnect } from './starting';

export function connect(data: FsmData, event: FsmEvent): Transition {
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
      return stay(data, 'already started');
    case 'ManualStop':
      return manualStop(data, event);
    case 'AutomaticStop':
      return automaticStop(data, event);
    case 'ConnectRetryTimer_Expires':
      return retryConnect(data);
    case 'Tcp_CR_Acked':
      return connectionUp(data, 'connected to the peer, OPEN sent');
    case 'TcpConnectionConfirmed':
      return connectionUp(data, 'peer connected, OPEN sent');
    case 'TcpConnectionFails':
      // Without DelayOpen: ConnectRetryTimer stopped, resources released, Idle.
      return connectionFailed(data, `connection failed: ${event.why}`);
    default:
      // "In response to any other events (Events 8, 10-11, 13, 19, 23, 25-28)": Idle.
      return connectionFailed(data, `${event.type} unexpected in Connect`);
  }
}
