#!/usr/bin/env node
// Benchmark: how fast a BGP speaker hands a full table to a route reflector (BIRD 2).
//
//   npm run build && node bench/bgp-reflector-baseline.mjs [--routes 100000] [--next-hops 1000] [--runs 3] [--no-relay] [--json]
//
// Baseline speaker: gobgpd (Debian's gobgpd 3.10). Its table is loaded from an MRT file BEFORE
// the session exists (BIRD's protocol starts disabled), then BIRD's `enable` starts the clock:
//  - established: from `enable` to BIRD's protocol state change to Established (BIRD's clock;
//                 mostly BIRD's own connect delay: at least 1 s, less 0-25 % random jitter), and
//                 from the TCP connection (seen by the relay) to Established: the OPEN exchange;
//  - all routes:  from Established to the last route BIRD imported from the session (BIRD's
//                 per-route timestamps, microseconds), and the same as this process polled it;
//  - UPDATEs:     counted on the wire by a relay between the two (and by gobgpd itself).
// Table: ROUTES /26 prefixes from 10.0.0.0/9 (100,000 /26 need a /9), consecutive blocks of
// ROUTES/NEXT_HOPS prefixes behind each next hop, as pod blocks sit behind nodes; ORIGIN IGP,
// empty AS_PATH, LOCAL_PREF 100, one community 64511:<n> per next hop. Next hops are data only
// (nothing is routed): RFC 5737's three documentation /24s (762 addresses), then 100.64.0.0/10
// (RFC 6598) for the rest; gobgpd drops routes with loopback next hops as martian.
//
// Another speaker (Isthmus's own) is measured the same way: write a scenario like
// gobgpdScenario below (start the speaker with its table, return BIRD's protocol and a
// startSession function) and pass it to runScenario. Everything listens on 127.0.0.0/8.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  encodeTableDumpV2,
  ibgpIpv4Attributes,
  measureTableTransfer,
  startBgpMessageCounter,
  startBird,
  startGobgpd,
} from '../libs/testing/dist/bgp/index.js';
import { freePort } from '../libs/testing/dist/postgres-server.js';

export const LOCAL_ASN = 64511;
const BIRD_ADDRESS = '127.0.0.91';
const GOBGPD_ADDRESS = '127.0.0.92';

/** The n-th next hop (0-based): 192.0.2.1-254, 198.51.100.1-254, 203.0.113.1-254, then 100.64.0.1 onwards. */
export function nextHopAddress(n) {
  const documentation = ['192.0.2', '198.51.100', '203.0.113'];
  if (n < 3 * 254) return `${documentation[Math.floor(n / 254)]}.${1 + (n % 254)}`;
  const k = n - 3 * 254;
  return `100.64.${Math.floor(k / 254)}.${1 + (k % 254)}`;
}

/** The i-th /26 of 10.0.0.0/9. */
function prefixOf(i) {
  const network = 0x0a000000 + i * 64;
  if (network >= 0x0a800000) throw new Error(`route ${i} is outside 10.0.0.0/9`);
  return `${network >>> 24}.${(network >>> 16) & 0xff}.${(network >>> 8) & 0xff}.${network & 0xff}/26`;
}

/** The baseline table as MRT routes: consecutive blocks of prefixes per next hop. */
export function baselineTable({ routes, nextHops }) {
  const perNextHop = Math.ceil(routes / nextHops);
  const attributesByNextHop = Array.from({ length: nextHops }, (_, n) =>
    ibgpIpv4Attributes(nextHopAddress(n), [[LOCAL_ASN, n + 1]]),
  );
  return Array.from({ length: routes }, (_, i) => ({
    prefix: prefixOf(i),
    attributes: attributesByNextHop[Math.floor(i / perNextHop)],
  }));
}

/**
 * gobgpd holding the table, passive; BIRD connects to it through the counting relay (or
 * directly). Returns what measureTableTransfer needs plus extra figures and a teardown.
 */
export const gobgpdScenario = {
  name: 'gobgpd 3.10',
  async setup({ routes, nextHops, relay }) {
    const birdPort = await freePort();
    const teardown = [];
    const stop = async () => {
      for (const step of teardown.reverse()) await step().catch(() => undefined);
    };
    try {
      const gobgpd = await startGobgpd({
        address: GOBGPD_ADDRESS,
        port: await freePort(),
        asn: LOCAL_ASN,
        neighbors: [{ address: BIRD_ADDRESS, port: birdPort, asn: LOCAL_ASN, passive: true }],
      });
      teardown.push(() => gobgpd.destroy());
      const file = join(gobgpd.workDir, 'table.mrt');
      writeFileSync(file, encodeTableDumpV2(baselineTable({ routes, nextHops })));
      const loadStarted = performance.now();
      await gobgpd.mrtInject(file);
      const loaded = await gobgpd.routeCount('ipv4');
      if (loaded !== routes)
        throw new Error(`gobgpd holds ${loaded} of the ${routes} routes after mrt inject`);
      const loadMs = performance.now() - loadStarted;

      const counter = relay
        ? await startBgpMessageCounter({
            listenAddress: GOBGPD_ADDRESS,
            upstreamAddress: GOBGPD_ADDRESS,
            upstreamPort: gobgpd.options.port,
            upstreamLocalAddress: BIRD_ADDRESS,
          })
        : undefined;
      if (counter) teardown.push(() => counter.close());
      const bird = await startBird({
        address: BIRD_ADDRESS,
        port: birdPort,
        asn: LOCAL_ASN,
        neighbors: [
          {
            name: 'gobgpd',
            address: GOBGPD_ADDRESS,
            port: counter?.listenPort ?? gobgpd.options.port,
            asn: LOCAL_ASN,
            disabled: true,
          },
        ],
      });
      teardown.push(() => bird.destroy());
      return {
        bird,
        protocol: 'gobgpd',
        counter,
        startSession: () => bird.enableProtocol('gobgpd'),
        // gobgpd's own count of the UPDATEs it sent, End-of-RIB included; asked once the
        // transfer is complete (End-of-RIB may still be on its way then, hence the short wait).
        async extra() {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const status = await gobgpd.neighborStatus(BIRD_ADDRESS);
          return { loadMs, speakerSentUpdates: status.messagesSent.update ?? 0 };
        },
        teardown: stop,
      };
    } catch (err) {
      await stop();
      throw err;
    }
  },
};

/** Runs a scenario `runs` times, each on fresh peers; returns one row of figures per run. */
/** The command line both BGP benches take: --routes, --next-hops, --runs, --no-relay, --json. */
export function scenarioOptions() {
  const { values: a } = parseArgs({
    options: {
      routes: { type: 'string', default: '100000' },
      'next-hops': { type: 'string', default: '1000' },
      runs: { type: 'string', default: '3' },
      'no-relay': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const options = {
    routes: Number(a.routes),
    nextHops: Number(a['next-hops']),
    runs: Number(a.runs),
    relay: !a['no-relay'],
  };
  return { options, json: a.json };
}

export async function runScenario(scenario, { routes, nextHops, runs, relay }) {
  const rows = [];
  for (let run = 1; run <= runs; run++) {
    const setup = await scenario.setup({ routes, nextHops, relay });
    try {
      const result = await measureTableTransfer({
        bird: setup.bird,
        protocol: setup.protocol,
        expectedRoutes: { ipv4: routes },
        startSession: setup.startSession,
        counter: setup.counter,
      });
      const extra = setup.extra ? await setup.extra() : {};
      rows.push({ speaker: scenario.name, run, ...result, routes: result.routes.ipv4, ...extra });
    } finally {
      await setup.teardown();
    }
  }
  return rows;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function printTable(rows) {
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
    ['route updates (BIRD)', (r) => String(r.routesReceived)],
    ['UPDATE msgs (wire)', (r) => (r.updateMessages === undefined ? '-' : String(r.updateMessages))],
    ['UPDATE octets', (r) => (r.updateOctets === undefined ? '-' : String(r.updateOctets))],
    ['UPDATEs (speaker)', (r) => (r.speakerSentUpdates === undefined ? '-' : String(r.speakerSentUpdates))],
    ['load ms', (r) => (r.loadMs === undefined ? '-' : r.loadMs.toFixed(0))],
  ];
  const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const widths = columns.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  console.log(line(columns.map(([title]) => title)));
  for (const row of cells) console.log(line(row));
  const medians = {
    toEstablishedMs: median(rows.map((r) => r.toEstablishedMs)),
    establishedToAllRoutesMs: median(rows.map((r) => r.establishedToAllRoutesMs)),
  };
  console.log(
    `median: ${medians.toEstablishedMs.toFixed(1)} ms to Established, ${medians.establishedToAllRoutesMs.toFixed(1)} ms from Established to all routes in BIRD`,
  );
}

async function main() {
  const { options, json } = scenarioOptions();
  const rows = await runScenario(gobgpdScenario, options);
  if (json) console.log(JSON.stringify({ options, rows }, null, 2));
  else printTable(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
