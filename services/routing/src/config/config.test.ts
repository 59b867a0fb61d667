import { describe, expect, it } from 'vitest';
import { ConfigError } from '@isthmus/service-kit';
import { RoutingConfig } from './config';

const required = { ISTHMUS_AUTH_DISABLED: 'true', ROUTING_ROUTER_ID: '10.0.0.1' };

function errorOf(env: Record<string, string>): Error {
  try {
    RoutingConfig.fromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('RoutingConfig.fromEnv', () => {
  it('has defaults that run beside the registry and ipam on one machine', () => {
    expect(RoutingConfig.fromEnv(required)).toMatchObject({
      httpHost: '0.0.0.0',
      httpPort: 8082,
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/isthmus_routing',
      migrateOnStart: true,
      natsUrl: 'nats://127.0.0.1:4222',
      subjectRoot: 'isthmus',
      registryStream: 'ISTHMUS_REGISTRY',
      ipamStream: 'ISTHMUS_IPAM',
      routerId: '10.0.0.1',
      localAsn: 64511,
      requireVerdict: true,
      staleAfterMs: 300_000,
      sourceAddress: undefined,
      bgpListenAddress: undefined,
      bgpListenPort: 179,
      configResyncMs: 30_000,
    });
  });

  it('reads the speaker variables', () => {
    const c = RoutingConfig.fromEnv({
      ...required,
      ROUTING_LOCAL_ASN: '4200000000',
      ROUTING_REQUIRE_VERDICT: 'false',
      ROUTING_STALE_AFTER_MS: '60000',
      ROUTING_SOURCE_ADDRESS: 'fd00::1',
      ROUTING_BGP_LISTEN_ADDRESS: '0.0.0.0',
      ROUTING_BGP_LISTEN_PORT: '1179',
    });
    expect(c).toMatchObject({
      localAsn: 4_200_000_000,
      requireVerdict: false,
      staleAfterMs: 60_000,
      sourceAddress: 'fd00::1',
      bgpListenAddress: '0.0.0.0',
      bgpListenPort: 1179,
    });
  });

  it('needs a router id of its own: no default two replicas could share', () => {
    expect(errorOf({ ISTHMUS_AUTH_DISABLED: 'true' }).message).toMatch(
      /ROUTING_ROUTER_ID: is required: this replica's BGP identifier/,
    );
  });

  it.each([
    ['0.0.0.0', /must not be 0\.0\.0\.0/],
    ['fd00::1', /must be a dotted quad/],
    ['10.0.0', /must be a dotted quad/],
    ['router-1', /must be a dotted quad/],
  ])('refuses the router id %s', (value, message) => {
    expect(errorOf({ ...required, ROUTING_ROUTER_ID: value }).message).toMatch(message);
  });

  it('names every bad variable in one error', () => {
    const message = errorOf({
      HTTP_PORT: '70000',
      DATABASE_URL: 'mysql://x',
      ROUTING_ROUTER_ID: '0.0.0.0',
      ROUTING_LOCAL_ASN: '0',
      ROUTING_REQUIRE_VERDICT: 'maybe',
      ROUTING_STALE_AFTER_MS: '-1',
      ROUTING_SOURCE_ADDRESS: '10.0.0.256',
      ROUTING_BGP_LISTEN_ADDRESS: '2001:DB8::1',
      ROUTING_BGP_LISTEN_PORT: '0',
      ISTHMUS_IPAM_STREAM: 'a.b',
    }).message;
    for (const v of [
      'HTTP_PORT',
      'DATABASE_URL',
      'ROUTING_ROUTER_ID',
      'ROUTING_LOCAL_ASN',
      'ROUTING_REQUIRE_VERDICT',
      'ROUTING_STALE_AFTER_MS',
      'ROUTING_SOURCE_ADDRESS',
      'ROUTING_BGP_LISTEN_ADDRESS',
      'ROUTING_BGP_LISTEN_PORT',
      'ISTHMUS_IPAM_STREAM',
    ]) {
      expect(message).toContain(`  ${v}: `);
    }
    expect(message).toContain('write "2001:db8::1"');
  });

  it('refuses to start without an operator token unless auth is disabled on purpose', () => {
    expect(() => RoutingConfig.fromEnv({ ROUTING_ROUTER_ID: '10.0.0.1' })).toThrow(
      /ISTHMUS_OPERATOR_TOKENS.*ISTHMUS_AUTH_DISABLED=true/,
    );
  });
});
