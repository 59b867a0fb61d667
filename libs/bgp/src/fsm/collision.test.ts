import { describe, expect, it } from 'vitest';
import { collisionSurvivor, incomingDisposition } from './index';

describe('connection collision (RFC 4271 §6.8)', () => {
  it.each([
    ['10.0.0.2', '10.0.0.1', 'outgoing'],
    ['10.0.0.1', '10.0.0.2', 'incoming'],
    // compared as unsigned 32-bit numbers, not as text
    ['10.0.0.10', '10.0.0.9', 'outgoing'],
    ['200.0.0.1', '10.255.255.255', 'outgoing'],
    ['1.2.3.4', '255.255.255.255', 'incoming'],
  ] as const)('local %s, remote %s: keep the %s connection', (local, remote, kept) => {
    expect(collisionSurvivor(local, remote)).toBe(kept);
  });

  it.each([
    ['Idle', 'refuse'],
    ['Connect', 'adopt'],
    ['Active', 'adopt'],
    ['OpenSent', 'track'],
    ['OpenConfirm', 'track'],
    ['Established', 'reject'],
  ] as const)('an incoming connection while %s: %s', (state, disposition) => {
    expect(incomingDisposition(state)).toBe(disposition);
  });
});
