import { z } from 'zod';
import { parseAddress, NetParseError } from '@isthmus/net';
import { envBoolean, envInt, envPart } from '@isthmus/service-kit';
import type { RoutingSettings } from '../core';

/**
 * What this replica is as a BGP speaker, and the core's settings (DESIGN.md, "Routing
 * semantics": replicas are all active, each with its own router id and source address). A Nest
 * provider token; the service's config object provides it.
 */
export abstract class SpeakerSettings implements RoutingSettings {
  /** This replica's BGP identifier (RFC 4271 §4.2), dotted quad, never 0.0.0.0. */
  abstract readonly routerId: string;
  /** Our ASN; a peer created without `localAsn` takes it. */
  abstract readonly localAsn: number;
  abstract readonly requireVerdict: boolean;
  abstract readonly staleAfterMs: number;
  /** The local address sessions are opened from; undefined: the one the kernel picks. */
  abstract readonly sourceAddress: string | undefined;
  /** Where passive peers connect to; undefined: no listener (active peers only). */
  abstract readonly bgpListenAddress: string | undefined;
  abstract readonly bgpListenPort: number;
  /** How often the peer and policy feeds re-read their tables, whatever was notified. */
  abstract readonly configResyncMs: number;
}

/** An IPv4 address written as a dotted quad, other than 0.0.0.0: a BGP identifier. */
export function routerIdProblem(value: string): string | undefined {
  try {
    const a = parseAddress(value);
    if (a.family !== 4) return 'must be a dotted quad (a BGP identifier is 4 octets), e.g. 10.0.0.1';
    if (a.address !== value) return `is not in canonical form; write "${a.address}"`;
    if (a.value === 0n) return 'must not be 0.0.0.0 (RFC 4271 §6.2: a BGP identifier of 0 is refused)';
    return undefined;
  } catch (e) {
    if (e instanceof NetParseError)
      return 'must be a dotted quad (a BGP identifier is 4 octets), e.g. 10.0.0.1';
    throw e;
  }
}

const RouterId = z.string().superRefine((v, ctx) => {
  const problem = routerIdProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const LocalAddress = z.string().superRefine((v, ctx) => {
  try {
    const a = parseAddress(v);
    if (a.address !== v)
      ctx.addIssue({ code: 'custom', message: `is not in canonical form; write "${a.address}"` });
  } catch (e) {
    if (!(e instanceof NetParseError)) throw e;
    ctx.addIssue({ code: 'custom', message: `must be an IPv4 or IPv6 address: ${e.message}` });
  }
});

export const speakerEnv = envPart(
  {
    // No default: two replicas with one router id would be one speaker to a reflector (RFC 4271
    // §6.8 resolves a connection collision by it, and a reflector keeps one set of routes per id).
    ROUTING_ROUTER_ID: z
      .string({
        message: "is required: this replica's BGP identifier, a dotted quad such as its own IPv4 address",
      })
      .pipe(RouterId),
    // Seed 002 ran iBGP in 64511; 4-octet ASNs per RFC 6793.
    ROUTING_LOCAL_ASN: envInt(1, 4294967295).default(64511),
    ROUTING_REQUIRE_VERDICT: envBoolean.default(true),
    ROUTING_STALE_AFTER_MS: envInt(0, 7 * 86_400_000).default(300_000),
    ROUTING_SOURCE_ADDRESS: LocalAddress.optional(),
    ROUTING_BGP_LISTEN_ADDRESS: LocalAddress.optional(),
    ROUTING_BGP_LISTEN_PORT: envInt(1, 65535).default(179),
    ROUTING_CONFIG_RESYNC_MS: envInt(100, 3_600_000).default(30_000),
  },
  (e): SpeakerSettings => ({
    routerId: e.ROUTING_ROUTER_ID,
    localAsn: e.ROUTING_LOCAL_ASN,
    requireVerdict: e.ROUTING_REQUIRE_VERDICT,
    staleAfterMs: e.ROUTING_STALE_AFTER_MS,
    sourceAddress: e.ROUTING_SOURCE_ADDRESS,
    bgpListenAddress: e.ROUTING_BGP_LISTEN_ADDRESS,
    bgpListenPort: e.ROUTING_BGP_LISTEN_PORT,
    configResyncMs: e.ROUTING_CONFIG_RESYNC_MS,
  }),
);
