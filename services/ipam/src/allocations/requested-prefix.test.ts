import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@isthmus/service-kit';
import { parsePrefix } from '../core';
import type { Pool } from '../pools/pool';
import { checkRequestedPrefix } from './requested-prefix';

const pool = (name: string, cidr: string): Pool => ({
  name,
  cidr,
  prefix: parsePrefix(cidr),
  description: '',
  createdAt: new Date(0),
});

describe('checkRequestedPrefix', () => {
  const seed = pool('seed-002', '192.168.0.0/16');

  it.each(['192.168.0.0/16', '192.168.0.0/17', '192.168.255.255/32'])(
    'takes %s from 192.168.0.0/16',
    (cidr) => {
      expect(() => checkRequestedPrefix(seed, cidr, parsePrefix(cidr))).not.toThrow();
    },
  );

  it.each([
    [
      '192.0.0.0/8',
      'is larger than pool seed-002 (192.168.0.0/16): an allocation is a part of its pool, a /16 or longer',
    ],
    ['192.169.0.0/16', 'is outside pool seed-002 (192.168.0.0/16)'],
    ['10.0.0.0/24', 'is outside pool seed-002 (192.168.0.0/16)'],
    [
      '2001:db8::/48',
      'is an IPv6 prefix and pool seed-002 (192.168.0.0/16) is IPv4; ask for an IPv4 prefix, or allocate from an IPv6 pool',
    ],
  ])('refuses %s as bad input', (cidr, reason) => {
    let error: unknown;
    try {
      checkRequestedPrefix(seed, cidr, parsePrefix(cidr));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`${cidr} ${reason}`);
  });

  it('checks the family before anything else: ::/0 is not "larger" than an IPv4 pool', () => {
    expect(() => checkRequestedPrefix(seed, '::/0', parsePrefix('::/0'))).toThrow(/is an IPv6 prefix/);
  });
});
