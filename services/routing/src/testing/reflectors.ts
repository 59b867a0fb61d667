// Test support: BIRD 2, gobgpd and FRR's bgpd as the operator's route reflectors (ASN 64511, as
// in seed 002), each on its own 127.0.0.x address with the routing replicas as passive
// route-reflector clients: the replicas connect, as they would to a real reflector.
import {
  freePort,
  startBird,
  startFrr,
  startGobgpd,
  type AddressFamily,
  type PeerRoute,
} from '@isthmus/testing';

export type ReflectorKind = 'BIRD' | 'gobgpd' | 'FRR';
export const REFLECTOR_KINDS: ReflectorKind[] = ['BIRD', 'gobgpd', 'FRR'];
export const REFLECTOR_ASN = 64511;

export interface TestReflector {
  kind: ReflectorKind;
  address: string;
  port: number;
  /** Every route of the family in its table (only our replicas feed it). */
  routes(family: AddressFamily): Promise<PeerRoute[]>;
  /** Resolves once the session with this client (a replica's source address) is Established. */
  waitForEstablished(client: string): Promise<void>;
  /** Whether the session with this client is Established now. */
  isEstablished(client: string): Promise<boolean>;
  /** An orderly restart of the reflector process. */
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

const protocolOf = (client: string) => `c_${client.replace(/\./g, '_')}`;

/** A reflector at `address` whose clients are the replicas at `clients` (their source addresses). */
export async function startReflector(
  kind: ReflectorKind,
  address: string,
  clients: string[],
): Promise<TestReflector> {
  const port = await freePort();
  const ASN = REFLECTOR_ASN;
  // Never used: the reflector is passive, the replicas connect.
  const clientPorts = await Promise.all(clients.map(() => freePort()));
  // The replicas as passive route-reflector clients with graceful restart, in gobgpd's and FRR's
  // shape (BIRD names its sessions and takes a boolean for graceful restart).
  const passiveClients = clients.map((client, i) => ({
    address: client,
    port: clientPorts[i]!,
    asn: ASN,
    passive: true,
    routeReflectorClient: true,
    gracefulRestartSeconds: 120,
  }));
  if (kind === 'BIRD') {
    const bird = await startBird({
      address,
      port,
      asn: ASN,
      neighbors: clients.map((client, i) => ({
        name: protocolOf(client),
        address: client,
        port: clientPorts[i]!,
        asn: ASN,
        routeReflectorClient: true,
        passive: true,
        gracefulRestart: true,
      })),
    });
    return {
      kind,
      address,
      port,
      routes: (family) => bird.routes(family),
      waitForEstablished: async (client) =>
        void (await bird.waitForEstablished(protocolOf(client), { timeoutMs: 30_000 })),
      isEstablished: async (client) => (await bird.protocolState(protocolOf(client))) === 'Established',
      restart: () => bird.restart(),
      destroy: () => bird.destroy(),
    };
  }
  if (kind === 'gobgpd') {
    const gobgpd = await startGobgpd({
      address,
      port,
      asn: ASN,
      neighbors: passiveClients,
    });
    return {
      kind,
      address,
      port,
      routes: (family) => gobgpd.routes(family),
      waitForEstablished: (client) => gobgpd.waitForEstablished(client, { timeoutMs: 30_000 }),
      isEstablished: async (client) => (await gobgpd.neighborState(client)) === 'ESTABLISHED',
      restart: () => gobgpd.restart(),
      destroy: () => gobgpd.destroy(),
    };
  }
  const frr = await startFrr({
    address,
    port,
    asn: ASN,
    neighbors: passiveClients,
  });
  return {
    kind,
    address,
    port,
    routes: (family) => frr.routes(family),
    waitForEstablished: async (client) => void (await frr.waitForEstablished(client, { timeoutMs: 30_000 })),
    isEstablished: async (client) => (await frr.neighborState(client)) === 'Established',
    restart: () => frr.restart(),
    destroy: () => frr.destroy(),
  };
}
