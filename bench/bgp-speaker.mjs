#!/usr/bin/env node
// Benchmark: Isthmus's own BGP speaker (libs/bgp) hands a full table to a route reflector
// (BIRD 2), measured in the same run, on the same table and the same way as the gobgpd baseline
// (bench/bgp-reflector-baseline.mjs, whose functions this reuses).
//
//   npm run build && node bench/bgp-speaker.mjs [--routes 100000] [--next-hops 1000] [--runs 3] [--no-relay] [--json]
//
// Table: the baseline's: ROUTES /26 prefixes from 10.0.0.0/9, consecutive blocks behind each of
// NEXT_HOPS next hops, ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100, one community 64511:<n> per next
// hop, so there are NEXT_HOPS distinct attribute sets.
// Our speaker holds the table before the session exists and connects to BIRD (passive) through
// the counting relay; its start() starts the clock. Figures per run, as for gobgpd:
//  - Established → all routes: BIRD's clock, from its protocol's change to Established to the
//    last route it imported from the session (microsecond timestamps);
//  - UPDATE messages on the wire, and the fewest any speaker could use: per attribute set,
//    ceil(prefix octets / room left in a 4096-octet UPDATE after the attributes), plus End-of-RIB;
//  - load: setRoutes() of the whole table (validation and interning), in this process.
// Then, without any IO, the Adj-RIB-Out's own cost for the table: setRoutes (validate + intern)
// and planning + encoding every UPDATE, median of 7 rounds.
import { pathToFileURL } from 'node:url';
import {
  baselineTable,
  gobgpdScenario,
  LOCAL_ASN,
  nextHopAddress,
  runScenario,
  scenarioOptions,
} from './bgp-reflector-baseline.mjs';
import { startBgpMessageCounter, startBird } from '../libs/testing/dist/bgp/index.js';
import { freePort } from '../libs/testing/dist/postgres-server.js';
import { BgpSpeaker } from '../libs/bgp/dist/speaker/index.js';
import { AdjRibOut, AttributeSetInterner, RouteTable } from '../libs/bgp/dist/rib/index.js';
import { packAnnouncements } from '../libs/bgp/dist/codec/index.js';

const BIRD_ADDRESS = '127.0.0.93';
const SPEAKER_ADDRESS = '127.0.0.94';
const MAX_MESSAGE = 4096;
/** RFC 4271 §4.3: header 19 octets, Withdrawn Routes Length 2, Total Path Attribute Length 2. */
const UPDATE_FIXED = 23;

/** The baseline table as our speaker's desired routes (one options object per next hop). */
export function desiredTable({ routes, nextHops }) {
  const perNextHop = Math.ceil(routes / nextHops);
  const options = Array.from({ length: nextHops }, (_, n) => ({
    communities: [((LOCAL_ASN << 16) | (n + 1)) >>> 0],
  }));
  const desired = new Map();
  baselineTable({ routes, nextHops }).forEach(({ prefix }, i) => {
    const n = Math.floor(i / perNextHop);
    desired.set(prefix, { nextHop: nextHopAddress(n), attributes: options[n] });
  });
  return desired;
}

/** The fewest UPDATEs that can carry the table: per attribute set, as many 4096-octet messages as its NLRI need. */
export function fewestUpdates(desired) {
  const groups = new Map();
  for (const [prefix, route] of desired) {
    const key = route.nextHop;
    const g = groups.get(key) ?? { route, prefixes: [] };
    g.prefixes.push(prefix);
    groups.set(key, g);
  }
  let messages = 0;
  const ctx = { fourOctetAs: true, ibgp: true };
  for (const { route, prefixes } of groups.values()) {
    const attributes = {
      origin: 'igp',
      asPath: [],
      nextHop: route.nextHop,
      localPref: 100,
      communities: [...route.attributes.communities],
    };
    const [one] = packAnnouncements(1, attributes, [prefixes[0]], ctx);
    const attributeOctets =
      one.length - UPDATE_FIXED - (1 + Math.ceil(Number(prefixes[0].split('/')[1]) / 8));
    const nlriOctets = prefixes.reduce((sum, p) => sum + 1 + Math.ceil(Number(p.split('/')[1]) / 8), 0);
    messages += Math.ceil(nlriOctets / (MAX_MESSAGE - UPDATE_FIXED - attributeOctets));
  }
  return messages;
}

export const isthmusScenario = {
  name: 'isthmus (libs/bgp)',
  async setup({ routes, nextHops, relay }) {
    const teardown = [];
    const stop = async () => {
      for (const step of teardown.reverse()) await step().catch(() => undefined);
    };
    try {
      const birdPort = await freePort();
      const bird = await startBird({
        address: BIRD_ADDRESS,
        port: birdPort,
        asn: LOCAL_ASN,
        neighbors: [
          // BIRD waits for us; the neighbor port is never used.
          {
            name: 'isthmus',
            address: SPEAKER_ADDRESS,
            port: await freePort(),
            asn: LOCAL_ASN,
            passive: true,
          },
        ],
      });
      teardown.push(() => bird.destroy());
      const counter = relay
        ? await startBgpMessageCounter({
            listenAddress: BIRD_ADDRESS,
            upstreamAddress: BIRD_ADDRESS,
            upstreamPort: birdPort,
            upstreamLocalAddress: SPEAKER_ADDRESS,
          })
        : undefined;
      if (counter) teardown.push(() => counter.close());
      const speaker = new BgpSpeaker({
        localAsn: LOCAL_ASN,
        routerId: '192.0.2.254',
        peers: [
          {
            name: 'bird',
            address: BIRD_ADDRESS,
            port: counter?.listenPort ?? birdPort,
            peerAsn: LOCAL_ASN,
            localAddress: SPEAKER_ADDRESS,
            families: [1],
            connectRetry: { initialSeconds: 0.1, maxSeconds: 1 },
          },
        ],
      });
      teardown.push(() => speaker.stop());
      const desired = desiredTable({ routes, nextHops });
      const loadStarted = performance.now();
      speaker.setRoutes(desired);
      const loadMs = performance.now() - loadStarted;
      return {
        bird,
        protocol: 'isthmus',
        counter,
        startSession: () => speaker.start(),
        async extra() {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const status = speaker.peerStatus('bird');
          return {
            loadMs,
            speakerSentUpdates: status.messagesOut.update,
            fewest: fewestUpdates(desired) + 1,
          };
        },
        teardown: stop,
      };
    } catch (err) {
      await stop();
      throw err;
    }
  },
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The Adj-RIB-Out's cost for the table without any IO: setRoutes, then planning and encoding every UPDATE. */
function adjRibOutCost({ routes, nextHops }, rounds = 7) {
  const desired = desiredTable({ routes, nextHops });
  const load = [];
  const plan = [];
  let messages = 0;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    const table = new RouteTable(new AttributeSetInterner());
    table.replace(desired);
    const t1 = performance.now();
    const rib = new AdjRibOut(table, { localAsn: LOCAL_ASN, ibgp: true });
    rib.sessionUp([1], { fourOctetAs: true, ibgp: true });
    messages = [...rib.takeUpdates().messages].length;
    const t2 = performance.now();
    load.push(t1 - t0);
    plan.push(t2 - t1);
    rib.close();
  }
  return { loadMs: median(load), planMs: median(plan), messages };
}

function printRows(rows) {
  const columns = [
    ['speaker', (r) => r.speaker],
    ['run', (r) => String(r.run)],
    ['to Established ms', (r) => r.toEstablishedMs.toFixed(1)],
    [
      'TCP→Established ms',
      (r) => (r.connectionToEstablishedMs === undefined ? '-' : r.connectionToEstablishedMs.toFixed(1)),
    ],
    ['Established→all routes ms (BIRD)', (r) => r.establishedToAllRoutesMs.toFixed(1)],
    ['(polled) ms', (r) => r.polledEstablishedToAllRoutesMs.toFixed(0)],
    ['routes in BIRD', (r) => String(r.routes)],
    ['UPDATE msgs (wire)', (r) => (r.updateMessages === undefined ? '-' : String(r.updateMessages))],
    ['fewest possible', (r) => (r.fewest === undefined ? '-' : String(r.fewest))],
    ['UPDATE octets', (r) => (r.updateOctets === undefined ? '-' : String(r.updateOctets))],
    ['UPDATEs (speaker)', (r) => (r.speakerSentUpdates === undefined ? '-' : String(r.speakerSentUpdates))],
    ['load ms', (r) => (r.loadMs === undefined ? '-' : r.loadMs.toFixed(0))],
  ];
  const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const widths = columns.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  console.log(line(columns.map(([title]) => title)));
  for (const row of cells) console.log(line(row));
}

async function main() {
  const { options, json } = scenarioOptions();
  const cost = adjRibOutCost(options);
  const baseline = await runScenario(gobgpdScenario, options);
  const ours = await runScenario(isthmusScenario, options);
  const gobgpdMedian = median(baseline.map((r) => r.establishedToAllRoutesMs));
  const oursMedian = median(ours.map((r) => r.establishedToAllRoutesMs));
  const summary = {
    gobgpdEstablishedToAllRoutesMs: gobgpdMedian,
    isthmusEstablishedToAllRoutesMs: oursMedian,
    ratio: oursMedian / gobgpdMedian,
    adjRibOut: cost,
  };
  if (json) {
    console.log(JSON.stringify({ options, rows: [...baseline, ...ours], summary }, null, 2));
    return;
  }
  printRows([...baseline, ...ours]);
  console.log(
    `\nEstablished → all ${options.routes} routes in BIRD, median of ${options.runs}: gobgpd ${gobgpdMedian.toFixed(1)} ms, ` +
      `isthmus ${oursMedian.toFixed(1)} ms → ${(100 * summary.ratio).toFixed(0)}% of gobgpd's time (target ≤ 50%)`,
  );
  // With the relay in this process, our speaker's work right after Established (the diff of the
  // whole table) delays the relay's forwarding of our KEEPALIVE, so part of it shows up before
  // BIRD's Established: TCP → all routes is the figure that hides nothing.
  if (options.relay) {
    const tcpToAll = (rows) =>
      median(rows.map((r) => (r.connectionToEstablishedMs ?? 0) + r.establishedToAllRoutesMs));
    console.log(
      `TCP connection → all routes, median: gobgpd ${tcpToAll(baseline).toFixed(1)} ms, isthmus ${tcpToAll(ours).toFixed(1)} ms ` +
        `→ ${((100 * tcpToAll(ours)) / tcpToAll(baseline)).toFixed(0)}%`,
    );
  }
  console.log(
    `Adj-RIB-Out alone (no IO), median of 7: setRoutes ${cost.loadMs.toFixed(1)} ms, plan + encode ${cost.planMs.toFixed(1)} ms ` +
      `→ ${cost.messages} UPDATEs for ${options.routes} routes behind ${options.nextHops} next hops`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
