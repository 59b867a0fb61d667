import { request, type RequestOptions } from 'node:http';

// A few Docker Engine API calls made directly over the socket. Deciding the backend must be cheap
// and must not fail loudly when there is no engine at all, and cleaning up by label needs only
// list + remove, so testcontainers (which probes several runtime strategies and logs its
// failures) is loaded only once Docker is known to be usable.

interface DockerResponse {
  status: number;
  body: string;
}

function endpoint(): Pick<RequestOptions, 'socketPath' | 'host' | 'port'> {
  const host = process.env.DOCKER_HOST;
  if (!host) return { socketPath: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

export function dockerRequest(method: string, path: string, timeoutMs = 5_000): Promise<DockerResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ ...endpoint(), method, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`Docker API ${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** True when a Docker engine answers on DOCKER_HOST or the default socket. */
export async function dockerAvailable(): Promise<boolean> {
  try {
    const res = await dockerRequest('GET', '/_ping', 2_000);
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function imageExists(image: string): Promise<boolean> {
  const res = await dockerRequest('GET', `/images/${encodeURIComponent(image)}/json`);
  return res.status === 200;
}

interface ContainerSummary {
  Id: string;
  Labels?: Record<string, string>;
}

/** Containers (running or not) that carry every one of `labels` ("key" or "key=value"). */
export async function listContainers(labels: string[]): Promise<ContainerSummary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: labels }));
  const res = await dockerRequest('GET', `/containers/json?all=1&filters=${filters}`);
  if (res.status !== 200)
    throw new Error(`Docker API: listing containers failed (${res.status}): ${res.body}`);
  return JSON.parse(res.body) as ContainerSummary[];
}

export async function removeContainer(id: string): Promise<void> {
  const res = await dockerRequest('DELETE', `/containers/${id}?force=1&v=1`, 30_000);
  // 404: already gone (stop() got there first); 409: removal already in progress.
  if (res.status >= 300 && res.status !== 404 && res.status !== 409) {
    throw new Error(`Docker API: removing container ${id} failed (${res.status}): ${res.body}`);
  }
}

/** Removes the networks that carry every one of `labels`. */
export async function removeNetworks(labels: string[]): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ label: labels }));
  const res = await dockerRequest('GET', `/networks?filters=${filters}`);
  if (res.status !== 200) return;
  for (const network of JSON.parse(res.body) as { Id: string }[]) {
    await dockerRequest('DELETE', `/networks/${network.Id}`);
  }
}
