import { describe, expect, it } from 'vitest';
import { clusterHealth, type WatchHealth } from './cluster-health';

const policy = { degradedAfterMs: 5_000, lostAfterMs: 60_000 };
const w = (name: string, synced: boolean, failingSince: number | null = null): WatchHealth => ({
  name,
  synced,
  failingSince,
  lastError: failingSince === null ? null : 'connection refused',
});

describe('clusterHealth', () => {
  it('is connecting until every watch has listed once', () => {
    expect(clusterHealth(0, [w('nodes', true), w('services', false)], policy)).toEqual({
      status: 'connecting',
      reason: 'waiting for the first list of services',
    });
  });

  it('is synced when all are synced and healthy, and stays synced through a short blip', () => {
    expect(clusterHealth(10_000, [w('nodes', true), w('services', true)], policy).status).toBe('synced');
    expect(clusterHealth(10_000, [w('nodes', true, 8_000), w('services', true)], policy).status).toBe(
      'synced',
    );
  });

  it('is degraded when a watch fails for a while, then lost past the lease', () => {
    const watches = [w('nodes', true, 1_000), w('endpointslices', true, 3_000)];
    expect(clusterHealth(7_000, watches, policy)).toEqual({
      status: 'degraded',
      reason: 'nodes: connection refused (for 6 s)',
    });
    expect(clusterHealth(61_000, watches, policy).status).toBe('lost');
  });

  it('declares a cluster that never synced lost too, eventually', () => {
    expect(clusterHealth(30_000, [w('nodes', false, 0)], policy).status).toBe('connecting');
    expect(clusterHealth(60_000, [w('nodes', false, 0)], policy).status).toBe('lost');
  });
});
