import { describe, expect, it } from 'vitest';
import {
  cidrFromToken,
  cidrToken,
  decodeRegistryEvent,
  decodeToken,
  encodeToken,
  subjectOf,
  subjects,
  type RegistryEvent,
} from './index';

const at = '2026-11-21T10:00:00.000Z';

describe('subjects', () => {
  it('keeps names with dots and wildcards in one token, reversibly', () => {
    for (const name of [
      'ip-10-0-0-1.ec2.internal',
      'a*b>c',
      'with space',
      '100%',
      'ünïcode',
      '',
      'tab\there',
    ]) {
      const token = encodeToken(name);
      expect(token).not.toMatch(/[.*>\s]/);
      expect(token.length).toBeGreaterThan(0);
      expect(decodeToken(token)).toBe(name);
    }
    expect(subjects.node('k8s-east', 'ip-10-0-0-1.ec2.internal')).toBe(
      'isthmus.registry.node.k8s-east.ip-10-0-0-1%2Eec2%2Einternal',
    );
  });

  it('writes prefixes with dashes, both families', () => {
    expect(subjects.block('k8s', '192.168.0.0/26')).toBe('isthmus.registry.block.k8s.192-168-0-0_26');
    expect(cidrToken('2001:db8::/64')).toBe('2001:db8::_64');
    expect(cidrFromToken('192-168-0-0_26')).toBe('192.168.0.0/26');
    expect(cidrFromToken('2001:db8::_64')).toBe('2001:db8::/64');
  });

  it('encodes Marathon group paths into one namespace token', () => {
    expect(subjects.service('dcos', '/prod/web', 'nginx').split('.')).toHaveLength(6);
  });
});

describe('decodeRegistryEvent', () => {
  const block: RegistryEvent = {
    kind: 'block',
    revision: 7,
    at,
    deleted: false,
    state: {
      cluster: 'k8s',
      cidr: '192.168.0.64/26',
      node: 'worker-1',
      nextHop: '192.0.2.11',
      source: 'calico-blockaffinity',
    },
  };

  it('round-trips a state event on its own subject', () => {
    const subject = subjectOf(block);
    expect(subject).toBe('isthmus.registry.block.k8s.192-168-0-64_26');
    expect(decodeRegistryEvent(subject, JSON.stringify(block))).toEqual(block);
  });

  it('round-trips a tombstone', () => {
    const tomb: RegistryEvent = {
      kind: 'node',
      revision: 9,
      at,
      deleted: true,
      key: { cluster: 'k8s', name: 'n.1' },
    };
    expect(decodeRegistryEvent(subjects.node('k8s', 'n.1'), Buffer.from(JSON.stringify(tomb)))).toEqual(tomb);
  });

  it('refuses an event on another entity subject', () => {
    expect(() =>
      decodeRegistryEvent('isthmus.registry.block.k8s.10-0-0-0_24', JSON.stringify(block)),
    ).toThrow(/arrived on/);
  });

  it('refuses malformed payloads with a reason', () => {
    expect(() => decodeRegistryEvent('x', '{')).toThrow(/not JSON/);
    const bad = { ...block, state: { ...block.state, cidr: '192.168.0.65/26' } };
    expect(() => decodeRegistryEvent(subjectOf(block), JSON.stringify(bad))).toThrow(/host bits set/);
    const extra = { ...block, surprise: 1 };
    expect(() => decodeRegistryEvent(subjectOf(block), JSON.stringify(extra))).toThrow(/surprise/);
  });
});
