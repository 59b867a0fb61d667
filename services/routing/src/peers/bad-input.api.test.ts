import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouting, type RoutingUnderTest } from '../testing/routing-harness';

/** Every refusal of bad input is a 400 whose message names the field and says what would do. */
describe('bad input to /v1/peers', () => {
  let routing: RoutingUnderTest;
  let peerId: string;
  beforeAll(async () => {
    routing = await startRouting();
    const res = await routing.request('POST', '/v1/peers', { address: '127.9.0.1', peerAsn: 64511 });
    expect(res.status).toBe(201);
    peerId = res.body.id;
  });
  afterAll(async () => {
    await routing?.stop();
  });

  const base = { address: '127.0.0.1', peerAsn: 64511 };

  it.each([
    ['no address', { peerAsn: 64511 }, /address: is required/],
    [
      'a malformed address',
      { ...base, address: '10.0.0' },
      /address: "10\.0\.0" is not a valid IPv4 address/,
    ],
    ['a prefix as the address', { ...base, address: '10.0.0.0/24' }, /address: .*is a prefix/],
    ['a non-canonical IPv6 address', { ...base, address: '2001:DB8::1' }, /address: .*write "2001:db8::1"/],
    ['the unspecified address', { ...base, address: '0.0.0.0' }, /address: must be the address of the peer/],
    ['the unspecified IPv6 address', { ...base, address: '::' }, /address: must be the address of the peer/],
    ['an address that is not a string', { ...base, address: 167772161 }, /address: .*expected string/],
    ['port 0', { ...base, port: 0 }, /port: must be a TCP port from 1 to 65535/],
    ['port 65536', { ...base, port: 65536 }, /port: must be a TCP port from 1 to 65535/],
    ['a fractional port', { ...base, port: 179.5 }, /port: must be a TCP port from 1 to 65535/],
    [
      'a port as a string',
      { ...base, port: '179' },
      /port: must be a TCP port from 1 to 65535; got a value that is not a number/,
    ],
    ['no peer ASN', { address: '127.0.0.1' }, /peerAsn: is required/],
    ['peer ASN 0', { ...base, peerAsn: 0 }, /peerAsn: must be an AS number from 1 to 4294967295/],
    [
      'a peer ASN beyond 32 bits',
      { ...base, peerAsn: 4294967296 },
      /peerAsn: must be an AS number from 1 to 4294967295/,
    ],
    [
      'a negative local ASN',
      { ...base, localAsn: -1 },
      /localAsn: must be an AS number from 1 to 4294967295/,
    ],
    ['a local ASN in asdot', { ...base, localAsn: '1.10' }, /localAsn: must be an AS number/],
    ['router id 0.0.0.0', { ...base, routerId: '0.0.0.0' }, /routerId: must not be 0\.0\.0\.0/],
    ['an IPv6 router id', { ...base, routerId: 'fd00::1' }, /routerId: must be a dotted quad/],
    ['a router id that is a number', { ...base, routerId: 167772161 }, /routerId: .*expected string/],
    ['a router id with leading zeros', { ...base, routerId: '127.0.0.01' }, /routerId: /],
    [
      'hold time 1',
      { ...base, holdTimeSeconds: 1 },
      /holdTimeSeconds: must be 0 \(no keepalives\) or 3 to 65535 seconds \(RFC 4271 §4\.2\)/,
    ],
    ['hold time 2', { ...base, holdTimeSeconds: 2 }, /holdTimeSeconds: must be 0 .* or 3 to 65535/],
    ['hold time 65536', { ...base, holdTimeSeconds: 65536 }, /holdTimeSeconds: must be 0 .* or 3 to 65535/],
    ['a negative hold time', { ...base, holdTimeSeconds: -3 }, /holdTimeSeconds: must be 0 .* or 3 to 65535/],
    [
      'a fractional hold time',
      { ...base, holdTimeSeconds: 3.5 },
      /holdTimeSeconds: must be a whole number of seconds/,
    ],
    ['passive as a string', { ...base, passive: 'yes' }, /passive: .*expected boolean/],
    [
      'a restart time beyond 12 bits',
      { ...base, gracefulRestartSeconds: 4096 },
      /gracefulRestartSeconds: must be 0 \(no graceful restart\) to 4095 seconds \(12 bits, RFC 4724 §3\)/,
    ],
    ['a negative restart time', { ...base, gracefulRestartSeconds: -1 }, /gracefulRestartSeconds: must be 0/],
    ['a filter that is a list', { ...base, filter: ['k8s'] }, /filter: .*expected object/],
    ['an unknown filter field', { ...base, filter: { nodes: ['w1'] } }, /filter: unknown field "nodes"/],
    [
      'a cluster that is not a DNS label',
      { ...base, filter: { clusters: ['K8S_1'] } },
      /filter\.clusters\[0\]: must be a DNS label/,
    ],
    [
      'a filter prefix with host bits',
      { ...base, filter: { prefixes: ['10.0.0.1/8'] } },
      /filter\.prefixes\[0\]: .*the prefix is "10\.0\.0\.0\/8"/,
    ],
    [
      'a filter prefix that is an address',
      { ...base, filter: { prefixes: ['127.0.0.0'] } },
      /filter\.prefixes\[0\]: .*has no prefix length/,
    ],
    [
      'a name with control characters',
      { ...base, name: 'rr\n1' },
      /name: must not contain control characters/,
    ],
    ['an empty name', { ...base, name: '' }, /name: /],
    ['a description too long', { ...base, description: 'x'.repeat(1025) }, /description: /],
    ['an unknown field', { ...base, asn: 64511 }, /unknown field "asn"/],
    ['two unknown fields', { ...base, asn: 64511, ttl: 1 }, /unknown fields "asn", "ttl"/],
    ['a body that is a list', [base], /request body is invalid: .*expected object/],
  ])('refuses a peer with %s', async (_what, body, message) => {
    const res = await routing.request('POST', '/v1/peers', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it.each([
    ['a bad port', { port: 0 }, /port: must be a TCP port/],
    ['a bad hold time', { holdTimeSeconds: 1 }, /holdTimeSeconds: must be 0/],
    ['a null peer ASN (not clearable)', { peerAsn: null }, /peerAsn: /],
    ['a null address', { address: null }, /address: /],
    ['an unknown field', { id: 'x' }, /unknown field "id"/],
  ])('refuses a change with %s, and changes nothing', async (_what, body, message) => {
    const before = (await routing.request('GET', `/v1/peers/${peerId}`)).body;
    const res = await routing.request('PATCH', `/v1/peers/${peerId}`, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
    expect((await routing.request('GET', `/v1/peers/${peerId}`)).body).toEqual(before);
  });

  it.each([
    [
      'a peer id that is not a UUID',
      'GET',
      '/v1/peers/rr1',
      /peer id is invalid: must be a peer id as the API returned it/,
    ],
    ['a peer id that is not a UUID, on delete', 'DELETE', '/v1/peers/1', /peer id is invalid/],
    ['a bad cursor', 'GET', '/v1/peers?cursor=nonsense', /cursor is invalid/],
    ['a limit of 0', 'GET', '/v1/peers?limit=0', /query is invalid: limit: /],
    ['an unknown query parameter', 'GET', '/v1/peers?sort=asn', /query is invalid: unknown field "sort"/],
    ['malformed JSON', 'POST', '/v1/peers', /request body is not valid JSON/],
  ])('refuses %s', async (_what, method, path, message) => {
    const body = method === 'POST' ? '{"address": ' : undefined;
    const res = await routing.request(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('refuses POST without a body, saying what it looks like', async () => {
    for (const answer of [
      await routing.request('POST', '/v1/peers', ''),
      await routing.request('POST', '/v1/peers'),
    ]) {
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(
        /^request body is required: send a JSON object \{"address", "port"\?, "peerAsn"/,
      );
    }
  });

  it('answers 404 for a peer id nobody has', async () => {
    const res = await routing.request('GET', '/v1/peers/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('peer 00000000-0000-4000-8000-000000000000 does not exist');
  });
});
