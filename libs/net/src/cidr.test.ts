import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, normalizeCidr, parseAddress, parseCidr } from './index';

describe('parseAddress', () => {
  it.each([
    ['192.168.0.10', 4, '192.168.0.10'],
    ['2001:DB8:0:0::1', 6, '2001:db8::1'],
    ['::ffff:10.0.0.1', 6, '::ffff:a00:1'],
  ])('%s is IPv%i %s', (input, family, address) => {
    expect(parseAddress(input)).toMatchObject({ family, address });
  });

  it.each([
    ['10.0.0.256', /not a valid IPv4 address/],
    ['010.0.0.1', /leading zeroes/],
    ['fe80::1%eth0', /zone index/],
    ['10.0.0.0/8', /is a prefix/],
    [' 10.0.0.1', /not an IP address/],
    ['', /not an IP address/],
    ['2001:db8:::1', /not a valid IPv6 address/],
  ])('refuses %j', (input, message) => {
    expect(() => parseAddress(input)).toThrow(message);
  });
});

describe('parseCidr', () => {
  it('parses the seed 002 address plan', () => {
    const k8s = parseCidr('192.168.0.0/17');
    const dcos = parseCidr('192.168.128.0/17');
    expect(k8s).toMatchObject({ family: 4, network: '192.168.0.0', prefixLength: 17 });
    expect(k8s.last).toBe(parseAddress('192.168.127.255').value);
    expect(cidrsOverlap(k8s, dcos)).toBe(false);
    expect(cidrContains(parseCidr('192.168.0.0/16'), dcos)).toBe(true);
  });

  it('names the prefix that was meant when host bits are set', () => {
    expect(() => parseCidr('192.168.1.10/24')).toThrow(
      '"192.168.1.10/24" has host bits set; the prefix is "192.168.1.0/24" (or use "192.168.1.10/32" for the single address)',
    );
  });

  it('enforces canonical IPv6 text', () => {
    expect(() => parseCidr('2001:DB8:0::/48')).toThrow('write "2001:db8::/48"');
    expect(normalizeCidr('2001:DB8:0::/48').cidr).toBe('2001:db8::/48');
    expect(parseCidr('2001:db8:0:1::/64')).toMatchObject({ family: 6, prefixLength: 64 });
  });

  it.each([
    ['10.0.0.0', /no prefix length/],
    ['10.0.0.0/33', /prefix lengths are 0 to 32/],
    ['2001:db8::/129', /prefix lengths are 0 to 128/],
    ['10.0.0.0/-1', /invalid prefix length/],
    ['10.0.0.0/0x8', /invalid prefix length/],
    ['10.0.0.0/', /invalid prefix length/],
    ['banana/8', /not a valid prefix/],
  ])('refuses %j', (input, message) => {
    expect(() => parseCidr(input)).toThrow(message);
  });

  it('does not mix families when comparing', () => {
    expect(cidrsOverlap(parseCidr('0.0.0.0/0'), parseCidr('::/0'))).toBe(false);
    expect(cidrContains(parseCidr('::/0'), parseCidr('10.0.0.0/8'))).toBe(false);
  });
});
