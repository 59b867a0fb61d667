import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../postgres-server';
import { type BirdHandle, startBird } from '../bird/bird';
import type { BirdNeighbor } from '../bird/config';
import type { GobgpdNeighbor } from '../gobgpd/config';
import { type GobgpdHandle, startGobgpd } from '../gobgpd/gobgpd';
import { encodeTableDumpV2, type MrtRoute } from '../mrt/table-dump-v2';
import { startBgpMessageCounter, type BgpMessageCounter } from '../wire/message-counter';
import { LOCAL_ASN } from './fixture-routes';

/** BIRD as route reflector and gobgpd as its client, both on loopback. */
export interface ReflectorPair {
  bird: BirdHandle;
  gobgpd: GobgpdHandle;
  /** BIRD's protocol name for its session with gobgpd. */
  protocol: string;
  birdAddress: string;
  gobgpdAddress: string;
  /** Relays the session and counts its messages, when asked for. */
  counter: BgpMessageCounter | undefined;
  /** Writes an MRT file of `routes` into gobgpd's directory and injects it. */
  load(routes: readonly MrtRoute[]): Promise<void>;
  /** Stops everything and removes the peers' directories. */
  destroy(): Promise<void>;
}

export interface ReflectorPairOptions {
  /** Loopback addresses; distinct per test file so files running in parallel cannot clash. */
  birdAddress: string;
  gobgpdAddress: string;
  /** BIRD's session starts disabled (for measuring from `enable`); default false. */
  sessionDisabled?: boolean;
  /** Put a message-counting relay between gobgpd and BIRD; default false. */
  countMessages?: boolean;
  bird?: Partial<BirdNeighbor>;
  gobgpd?: Partial<GobgpdNeighbor>;
}

/**
 * BIRD is the active side, gobgpd passive: BIRD's `enable` then starts the session right away.
 * With a counter, BIRD connects to the relay (on gobgpd's address, another port), which connects
 * on to gobgpd from BIRD's address.
 */
export async function startReflectorPair(options: ReflectorPairOptions): Promise<ReflectorPair> {
  const { birdAddress, gobgpdAddress } = options;
  const protocol = 'gobgpd_client';
  const [birdPort, gobgpdPort] = [await freePort(), await freePort()];
  const cleanup: (() => Promise<void>)[] = [];
  const destroy = async (): Promise<void> => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const gobgpd = await startGobgpd({
      address: gobgpdAddress,
      port: gobgpdPort,
      asn: LOCAL_ASN,
      neighbors: [{ address: birdAddress, port: birdPort, asn: LOCAL_ASN, passive: true, ...options.gobgpd }],
    });
    cleanup.push(() => gobgpd.destroy());
    const counter = options.countMessages
      ? await startBgpMessageCounter({
          listenAddress: gobgpdAddress,
          upstreamAddress: gobgpdAddress,
          upstreamPort: gobgpdPort,
          upstreamLocalAddress: birdAddress,
        })
      : undefined;
    if (counter) cleanup.push(() => counter.close());
    const bird = await startBird({
      address: birdAddress,
      port: birdPort,
      asn: LOCAL_ASN,
      neighbors: [
        {
          name: protocol,
          address: gobgpdAddress,
          port: counter?.listenPort ?? gobgpdPort,
          asn: LOCAL_ASN,
          disabled: options.sessionDisabled ?? false,
          ...options.bird,
        },
      ],
    });
    cleanup.push(() => bird.destroy());
    let loads = 0;
    return {
      bird,
      gobgpd,
      protocol,
      birdAddress,
      gobgpdAddress,
      counter,
      load: async (routes) => {
        const file = join(gobgpd.workDir, `table-${++loads}.mrt`);
        writeFileSync(file, encodeTableDumpV2(routes));
        await gobgpd.mrtInject(file);
      },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
