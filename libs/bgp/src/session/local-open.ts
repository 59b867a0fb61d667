// The OPEN we send (RFC 4271 §4.2) with the capabilities we support (RFC 5492).
import { AS_TRANS, type Capability, type OpenMessage } from '../codec';
import type { Afi } from '../codec/types';

export interface GracefulRestartOptions {
  /** RFC 4724 §3 Restart Time: how long the peer keeps our routes while we are away (≤ 4095 s). */
  restartTimeSeconds: number;
  /**
   * The R bit: set in the first OPEN after our process restarted, so the peer keeps our routes as
   * stale until our End-of-RIB (RFC 4724 §4.1). Cleared once a session has been established.
   */
  restarting: boolean;
  /**
   * F bit per family (RFC 4724 §3). The nodes keep forwarding while this speaker restarts, so the
   * default is true; false makes the peer drop our routes at once (RFC 4724 §4.2).
   */
  forwardingPreserved?: boolean;
}

export interface LocalOpenOptions {
  localAsn: number;
  bgpIdentifier: string;
  holdTimeSeconds: number;
  families: readonly Afi[];
  gracefulRestart?: GracefulRestartOptions;
  /** The R bit for this OPEN (see GracefulRestartOptions.restarting). */
  restarting: boolean;
}

export function localOpen(options: LocalOpenOptions): OpenMessage {
  const capabilities: Capability[] = options.families.map((afi) => ({ kind: 'multiprotocol', afi, safi: 1 }));
  // RFC 2918: we answer ROUTE-REFRESH with the whole table of the family.
  capabilities.push({ kind: 'route-refresh' });
  // RFC 6793 §3: always, so 4-octet ASNs work and My AS can be AS_TRANS.
  capabilities.push({ kind: 'four-octet-as', asn: options.localAsn });
  const gr = options.gracefulRestart;
  if (gr) {
    capabilities.push({
      kind: 'graceful-restart',
      restarting: options.restarting,
      restartTimeSeconds: gr.restartTimeSeconds,
      families: options.families.map((afi) => ({
        afi,
        safi: 1,
        forwardingPreserved: gr.forwardingPreserved ?? true,
      })),
    });
  }
  return {
    type: 'open',
    version: 4,
    myAs: options.localAsn > 0xffff ? AS_TRANS : options.localAsn,
    holdTimeSeconds: options.holdTimeSeconds,
    bgpIdentifier: options.bgpIdentifier,
    capabilities,
  };
}
