import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';

/** Every refusal of bad input is a 400 whose message says what is wrong and what would do. */
describe('bad input', () => {
  let ipam: IpamUnderTest;
  beforeAll(async () => {
    ipam = await startIpam();
    for (const [name, cidr] of [
      ['v4', '10.0.0.0/16'],
      ['v6', '2001:db8::/32'],
    ]) {
      expect((await ipam.request('POST', '/v1/pools', { name, cidr })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await ipam?.stop();
  });

  const base = { cluster: 'k8s', purpose: 'pods' };

  it.each([
    ['a malformed CIDR', 'v4', { ...base, cidr: '10.0.0/24' }, /cidr: "10\.0\.0\/24" is not a valid prefix/],
    [
      'a CIDR with no length',
      'v4',
      { ...base, cidr: '10.0.1.0' },
      /has no prefix length; write it as address\/length/,
    ],
    [
      'host bits set (naming the prefix meant)',
      'v4',
      { ...base, cidr: '10.0.1.10/24' },
      /"10\.0\.1\.10\/24" has host bits set; the prefix is "10\.0\.1\.0\/24"/,
    ],
    ['a non-canonical IPv6 spelling', 'v6', { ...base, cidr: '2001:DB8::/48' }, /write "2001:db8::\/48"/],
    [
      'a prefix length shorter than the pool',
      'v4',
      { ...base, prefixLength: 8 },
      /^a \/8 cannot be allocated from the pool 10\.0\.0\.0\/16: ask for a prefix length from 16 to 32$/,
    ],
    [
      'a prefix length beyond 32',
      'v4',
      { ...base, prefixLength: 33 },
      /a \/33 cannot be allocated from the pool 10\.0\.0\.0\/16: ask for a prefix length from 16 to 32/,
    ],
    [
      'a prefix length beyond 128',
      'v6',
      { ...base, prefixLength: 129 },
      /a \/129 cannot be allocated from the pool 2001:db8::\/32: ask for a prefix length from 32 to 128/,
    ],
    ['a CIDR longer than 32 bits', 'v4', { ...base, cidr: '10.0.0.0/33' }, /IPv4 prefix lengths are 0 to 32/],
    [
      'an IPv6 prefix in an IPv4 pool',
      'v4',
      { ...base, cidr: '2001:db8:1::/48' },
      /^2001:db8:1::\/48 is an IPv6 prefix and pool v4 \(10\.0\.0\.0\/16\) is IPv4/,
    ],
    [
      'an IPv4 prefix in an IPv6 pool',
      'v6',
      { ...base, cidr: '10.0.0.0/24' },
      /^10\.0\.0\.0\/24 is an IPv4 prefix and pool v6 \(2001:db8::\/32\) is IPv6/,
    ],
    [
      'a CIDR outside the pool',
      'v4',
      { ...base, cidr: '10.1.0.0/24' },
      /^10\.1\.0\.0\/24 is outside pool v4 \(10\.0\.0\.0\/16\)$/,
    ],
    [
      'a CIDR larger than the pool',
      'v4',
      { ...base, cidr: '10.0.0.0/8' },
      /^10\.0\.0\.0\/8 is larger than pool v4 \(10\.0\.0\.0\/16\): an allocation is a part of its pool, a \/16 or longer$/,
    ],
    [
      'an unknown purpose',
      'v4',
      { ...base, purpose: 'nodes', prefixLength: 24 },
      /purpose: must be one of "pods", "services", "load-balancers"/,
    ],
    [
      'a cluster that is not a DNS label',
      'v4',
      { ...base, cluster: 'K8S_1', prefixLength: 24 },
      /cluster: must be a DNS label/,
    ],
    [
      'both cidr and prefixLength',
      'v4',
      { ...base, cidr: '10.0.0.0/24', prefixLength: 24 },
      /give either "cidr".*or "prefixLength"/,
    ],
    ['neither cidr nor prefixLength', 'v4', base, /give either "cidr".*or "prefixLength"/],
    ['a prefix length as a string', 'v4', { ...base, prefixLength: '24' }, /prefixLength: .*expected number/],
    ['an unknown field', 'v4', { ...base, prefixLength: 24, size: 256 }, /unknown field "size"/],
  ])('refuses %s', async (_what, pool, body, message) => {
    const res = await ipam.request('POST', `/v1/pools/${pool}/allocations`, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it.each([
    [
      'a malformed pool CIDR',
      { name: 'p1', cidr: '300.0.0.0/8' },
      /cidr: "300\.0\.0\.0\/8" is not a valid prefix/,
    ],
    ['host bits in a pool CIDR', { name: 'p1', cidr: '172.16.0.1/12' }, /the prefix is "172\.16\.0\.0\/12"/],
    [
      'a pool name that is not a DNS label',
      { name: 'Pool 1', cidr: '172.16.0.0/12' },
      /name: must be a DNS label/,
    ],
  ])('refuses a pool with %s', async (_what, body, message) => {
    const res = await ipam.request('POST', '/v1/pools', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it.each([
    [
      'an allocation id that is not a number',
      'GET',
      '/v1/allocations/abc',
      /allocation id is invalid: must be a positive integer/,
    ],
    [
      'an allocation id out of range',
      'DELETE',
      '/v1/allocations/99999999999',
      /allocation id is invalid: (must be a positive integer|no allocation has an id that large)/,
    ],
    ['a bad cursor', 'GET', '/v1/pools/v4/allocations?cursor=nonsense', /cursor is invalid/],
    ['an unknown purpose filter', 'GET', '/v1/allocations?purpose=nodes', /purpose: must be one of/],
    ['malformed JSON', 'POST', '/v1/pools', /request body is not valid JSON/],
  ])('refuses %s', async (_what, method, path, message) => {
    const body = method === 'POST' ? '{"name": ' : undefined;
    const res = await ipam.request(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('says which pool is missing, with a 404', async () => {
    const res = await ipam.request('POST', '/v1/pools/nope/allocations', { ...base, prefixLength: 24 });
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/pool nope does not exist/);
    const explicit = await ipam.request('POST', '/v1/pools/nope/allocations', {
      ...base,
      cidr: '10.0.0.0/24',
    });
    expect(explicit.status).toBe(404);
  });
});
