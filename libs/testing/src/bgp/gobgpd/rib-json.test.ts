import { describe, expect, it } from 'vitest';
import { type GobgpRibJson, parseGobgpNeighbor, parseGobgpRib } from './rib-json';

// Output of gobgp 3.10 (`gobgp global rib -a ipv4|ipv6 -j`, `gobgp neighbor ADDR -j`), captured
// from a gobgpd that originated 10.9.0.0/24 itself and learned 10.8.0.0/24, another path to
// 10.9.0.0/24 and 2001:db8:9::/48 from BIRD (127.0.0.51) over eBGP.
const RIB_IPV4 =
  '{"10.8.0.0/24":[{"nlri":{"prefix":"10.8.0.0/24"},"age":1795305258,"best":true,"attrs":[{"type":1,"value":2},{"type":2,"as_paths":[{"segment_type":2,"num":1,"asns":[64511]}]},{"type":3,"nexthop":"192.0.2.8"}],"stale":false,"source-id":"127.0.0.51","neighbor-ip":"127.0.0.51"}],"10.9.0.0/24":[{"nlri":{"prefix":"10.9.0.0/24"},"age":1795305258,"best":true,"attrs":[{"type":1,"value":2},{"type":8,"communities":[4227858439]},{"type":3,"nexthop":"198.51.100.9"}],"stale":false},{"nlri":{"prefix":"10.9.0.0/24"},"age":1795305258,"best":false,"attrs":[{"type":1,"value":1},{"type":2,"as_paths":[{"segment_type":2,"num":3,"asns":[64511,65001,65002]}]},{"type":3,"nexthop":"192.0.2.9"},{"type":8,"communities":[4227792897,4227792898]},{"type":32,"value":[{"ASN":64511,"LocalData1":1,"LocalData2":2},{"ASN":64511,"LocalData1":3,"LocalData2":4}]}],"stale":false,"source-id":"127.0.0.51","neighbor-ip":"127.0.0.51"}]}';
const RIB_IPV6 =
  '{"2001:db8:9::/48":[{"nlri":{"prefix":"2001:db8:9::/48"},"age":1795305258,"best":true,"attrs":[{"type":1,"value":2},{"type":2,"as_paths":[{"segment_type":2,"num":1,"asns":[64511]}]},{"type":8,"communities":[4227792902]},{"type":14,"nexthop":"2001:db8::9","afi":2,"safi":1,"value":[{"prefix":"2001:db8:9::/48"}]}],"stale":false,"source-id":"127.0.0.51","neighbor-ip":"127.0.0.51"}]}';
// A path with MED, LOCAL_PREF and large communities, from the gobgpd that originated it.
const RIB_LOCAL =
  '{"10.9.0.0/24":[{"nlri":{"prefix":"10.9.0.0/24"},"age":1795305258,"best":true,"attrs":[{"type":1,"value":1},{"type":2,"as_paths":[{"segment_type":2,"num":2,"asns":[65001,65002]}]},{"type":4,"metric":5},{"type":5,"value":200},{"type":8,"communities":[4227792897,4227792898]},{"type":32,"value":[{"ASN":64511,"LocalData1":1,"LocalData2":2},{"ASN":64511,"LocalData1":3,"LocalData2":4}]},{"type":3,"nexthop":"192.0.2.9"}],"stale":false}]}';
const NEIGHBOR =
  '{"conf":{"local_asn":64511,"neighbor_address":"127.0.0.51","peer_asn":64511},"state":{"messages":{"received":{"update":2,"open":1,"keepalive":1,"total":4},"sent":{"update":5,"open":1,"keepalive":1,"total":7}},"neighbor_address":"127.0.0.51","peer_asn":64511,"queues":{},"session_state":6}}';

describe('gobgp JSON', () => {
  it('maps the best path of each prefix to the shared route shape', () => {
    expect(parseGobgpRib(JSON.parse(RIB_IPV4) as GobgpRibJson)).toEqual([
      {
        prefix: '10.8.0.0/24',
        nextHop: '192.0.2.8',
        origin: 'incomplete',
        asPath: [64511],
        localPref: undefined,
        med: undefined,
        communities: [],
        largeCommunities: [],
        stale: false,
        fromProtocol: '127.0.0.51',
      },
      {
        prefix: '10.9.0.0/24',
        nextHop: '198.51.100.9',
        origin: 'incomplete',
        asPath: [],
        localPref: undefined,
        med: undefined,
        communities: ['64512:7'],
        largeCommunities: [],
        stale: false,
        fromProtocol: 'local',
      },
    ]);
  });

  it('reads MED, LOCAL_PREF, communities and large communities', () => {
    expect(parseGobgpRib(JSON.parse(RIB_LOCAL) as GobgpRibJson)).toEqual([
      {
        prefix: '10.9.0.0/24',
        nextHop: '192.0.2.9',
        origin: 'egp',
        asPath: [65001, 65002],
        localPref: 200,
        med: 5,
        communities: ['64511:1', '64511:2'],
        largeCommunities: ['64511:1:2', '64511:3:4'],
        stale: false,
        fromProtocol: 'local',
      },
    ]);
  });

  it('takes an IPv6 next hop from MP_REACH_NLRI', () => {
    expect(parseGobgpRib(JSON.parse(RIB_IPV6) as GobgpRibJson)).toMatchObject([
      {
        prefix: '2001:db8:9::/48',
        nextHop: '2001:db8::9',
        communities: ['64511:6'],
        fromProtocol: '127.0.0.51',
      },
    ]);
  });

  it('names the session state and keeps the message counters', () => {
    expect(parseGobgpNeighbor(JSON.parse(NEIGHBOR))).toEqual({
      sessionState: 'ESTABLISHED',
      messagesSent: { update: 5, open: 1, keepalive: 1, total: 7 },
      messagesReceived: { update: 2, open: 1, keepalive: 1, total: 4 },
    });
    expect(parseGobgpNeighbor({ state: { session_state: 3 } }).sessionState).toBe('ACTIVE');
  });
});
