// Helpers for this library's own tests (not part of the build): waiting for conditions with
// deadlines, client-node informers that record what they see, raw watch streams, and kubectl.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type KubernetesObject,
  type ListWatch,
} from '@kubernetes/client-node';
import type { FakeKubeApi } from '../index';

export function kubeConfigFor(api: FakeKubeApi): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  return kc;
}

type AnyInformer = ReturnType<typeof makeInformer<KubernetesObject>>;

export interface Recording {
  informer: AnyInformer;
  /** 'add node-a', 'update node-a', 'delete ns/name', in the order the callbacks ran. */
  events: string[];
  objects: Array<{ verb: string; obj: KubernetesObject }>;
  errors: unknown[];
  connects: number;
  /** Names in the informer's cache, sorted. */
  cached(): string[];
  /**
   * ListWatch.latestResourceVersion(): makeInformer returns a ListWatch, but its declared type
   * (Informer & ObjectCache) does not show this method.
   */
  resourceVersion(): string;
}

function nameOf(obj: KubernetesObject): string {
  return obj.metadata?.namespace
    ? `${obj.metadata.namespace}/${obj.metadata.name}`
    : String(obj.metadata?.name);
}

/** Registers recording callbacks on an informer (before start(), so nothing is missed). */
export function record(informer: AnyInformer): Recording {
  const rec: Recording = {
    informer,
    events: [],
    objects: [],
    errors: [],
    connects: 0,
    cached: () => informer.list().map(nameOf).sort(),
    resourceVersion: () => (informer as unknown as ListWatch<KubernetesObject>).latestResourceVersion(),
  };
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (obj) => {
      rec.events.push(`${verb} ${nameOf(obj)}`);
      rec.objects.push({ verb, obj });
    });
  }
  informer.on('error', (err) => rec.errors.push(err));
  informer.on('connect', () => rec.connects++);
  return rec;
}

/** An informer on nodes, as a watcher would create one: makeInformer + CoreV1Api.listNode. */
export function nodeInformer(api: FakeKubeApi): Recording {
  const kc = kubeConfigFor(api);
  const core = kc.makeApiClient(CoreV1Api);
  return record(makeInformer<KubernetesObject>(kc, '/api/v1/nodes', () => core.listNode()));
}

export function node(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {} };
}

export const nodeRef = (name: string) => ({ apiVersion: 'v1', kind: 'Node', name });

// --- raw watch streams -----------------------------------------------------------------------

export interface RawWatch {
  status: number;
  events: Array<{ type: string; object: Record<string, any> }>;
  /** Lines that were not JSON. */
  garbage: string[];
  /** Resolves when the stream ends: 'end' (clean) or the error. */
  ended: Promise<'end' | Error>;
  close(): void;
}

/** Opens `path` (with its query) and collects the JSON lines as they come. */
export async function openWatch(
  api: FakeKubeApi,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawWatch> {
  const controller = new AbortController();
  const res = await fetch(`${api.url}${path}`, { headers, signal: controller.signal });
  const watch: RawWatch = {
    status: res.status,
    events: [],
    garbage: [],
    ended: Promise.resolve('end'),
    close: () => controller.abort(),
  };
  const body = res.body;
  if (!body) return watch;
  watch.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          try {
            watch.events.push(JSON.parse(line));
          } catch {
            watch.garbage.push(line);
          }
        }
      }
      return 'end' as const;
    } catch (err) {
      return err as Error;
    }
  })();
  return watch;
}

export async function getJson(api: FakeKubeApi, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as any };
}

// --- kubectl -----------------------------------------------------------------------------------

/** The kubectl to run: $ISTHMUS_KUBECTL, else the one on PATH (Debian's kubernetes-client in CI). */
export function kubectlBinary(): string {
  return process.env.ISTHMUS_KUBECTL || 'kubectl';
}

/** Flags every invocation gets: this server's kubeconfig, and a discovery cache of its own. */
function kubectlFlags(api: FakeKubeApi): string[] {
  return ['--kubeconfig', api.kubeconfigFile(), '--cache-dir', join(api.tempDir(), 'kube-cache')];
}

export function kubectl(
  api: FakeKubeApi,
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      kubectlBinary(),
      [...kubectlFlags(api), ...args],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface KubectlStream {
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
  kill(): void;
}

/** A long-running kubectl (e.g. get --watch), killed after timeoutMs at the latest. */
export function kubectlStream(api: FakeKubeApi, args: string[], timeoutMs = 20_000): KubectlStream {
  const child = spawn(kubectlBinary(), [...kubectlFlags(api), ...args], {
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: KubectlStream = {
    lines: [],
    stderr: [],
    exited: new Promise((resolve) => child.once('close', (code) => resolve(code))),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    out.lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => out.stderr.push(chunk.toString('utf8')));
  return out;
}
