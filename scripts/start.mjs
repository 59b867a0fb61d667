#!/usr/bin/env node
// Starts the Isthmus services for local development, each in its own process with its defaults:
// the registry on :8080 (database isthmus_registry), ipam on :8081 (database isthmus_ipam) and
// routing on :8082 (database isthmus_routing).
// Run `npm run build` first (`npm start` does both).
//
//   node scripts/start.mjs              every service
//   node scripts/start.mjs ipam         only the ones named
//
// Each service reads HTTP_PORT and DATABASE_URL, so one value for all of them cannot work here:
// <SERVICE>_HTTP_PORT and <SERVICE>_DATABASE_URL (REGISTRY_HTTP_PORT, IPAM_DATABASE_URL, ...) set
// them per service. Every other variable is passed to every service; ISTHMUS_AUTH_DISABLED
// defaults to true and LOG_FORMAT to text, for local development only.
// Output lines are prefixed with the service's name. Ctrl-C stops them all; when one exits, the
// others are stopped and this script exits with its status.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVICES = {
  registry: { main: 'services/registry/dist/main.js', port: 8080 },
  ipam: { main: 'services/ipam/dist/main.js', port: 8081 },
  // A router id is required in production (each replica its own); one machine runs one replica.
  routing: {
    main: 'services/routing/dist/main.js',
    port: 8082,
    defaults: { ROUTING_ROUTER_ID: '127.0.0.1' },
  },
};
/** Variables that must differ between services, so never passed through as they are. */
const PER_SERVICE = ['HTTP_PORT', 'DATABASE_URL'];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SERVICES));
if (unknown.length) {
  process.stderr.write(`unknown service ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}\n`);
  process.exit(2);
}
const names = wanted.length ? wanted : Object.keys(SERVICES);
for (const name of names) {
  if (!existsSync(path.join(ROOT, SERVICES[name].main))) {
    process.stderr.write(`${SERVICES[name].main} is missing: run "npm run build" first\n`);
    process.exit(2);
  }
}

const shared = Object.fromEntries(Object.entries(process.env).filter(([k]) => !PER_SERVICE.includes(k)));

function envFor(name) {
  const prefix = name.toUpperCase();
  const env = {
    ISTHMUS_AUTH_DISABLED: 'true',
    LOG_FORMAT: 'text',
    ...SERVICES[name].defaults,
    ...shared,
    HTTP_PORT: process.env[`${prefix}_HTTP_PORT`] ?? String(SERVICES[name].port),
  };
  const databaseUrl = process.env[`${prefix}_DATABASE_URL`];
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return env;
}

/** Writes a child's output line by line, each line prefixed with its name. */
function prefixLines(name, stream, out) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
  stream.on('end', () => partial && out.write(`[${name}] ${partial}\n`));
}

const children = new Map();
let stopping = false;

function stopAll(signal = 'SIGTERM') {
  stopping = true;
  for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
}

for (const name of names) {
  const child = spawn(process.execPath, [path.join(ROOT, SERVICES[name].main)], {
    cwd: ROOT,
    env: envFor(name),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(name, child);
  prefixLines(name, child.stdout, process.stdout);
  prefixLines(name, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`[${name}] exited (${signal ?? `status ${code}`}); stopping the others\n`);
      process.exitCode = code || 1;
      stopAll();
    }
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));
