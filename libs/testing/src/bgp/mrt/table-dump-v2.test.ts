import { describe, expect, it } from 'vitest';
import { ibgpIpv4Attributes, ibgpIpv6Attributes } from '../fixtures/attributes';
import { encodePrefix, ipv6Octets } from './prefix';
import { encodeTableDumpV2, listMrtRecords } from './table-dump-v2';

const TIMESTAMP = 0x5f5e1000; // 1600000000 s, 2020-09-13

describe('MRT TABLE_DUMP_V2 writer (RFC 6396 §4.3)', () => {
  it('writes a PEER_INDEX_TABLE and one RIB_IPV4_UNICAST record, byte for byte', () => {
    const attributes = Uint8Array.from([0x40, 0x01, 0x01, 0x00]); // ORIGIN IGP, the attributes are opaque here
    const file = encodeTableDumpV2([{ prefix: '10.1.0.64/26', attributes }], {
      timestamp: TIMESTAMP,
      peers: [{ bgpId: '192.0.2.1', address: '192.0.2.1', asn: 64511 }],
    });
    expect([...file]).toEqual([
      // MRT common header (§2): timestamp, type 13 TABLE_DUMP_V2, subtype 1 PEER_INDEX_TABLE, length 21
      0x5f, 0x5e, 0x10, 0x00, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15,
      // PEER_INDEX_TABLE (§4.3.1): collector BGP ID 0.0.0.0, view name length 0, peer count 1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      //   peer entry: type 0x02 (IPv4 address, 4-octet AS), BGP ID 192.0.2.1, address 192.0.2.1, AS 64511
      0x02, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0xfb, 0xff,
      // header: timestamp, type 13, subtype 2 RIB_IPV4_UNICAST, length 23
      0x5f, 0x5e, 0x10, 0x00, 0x00, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x00, 0x17,
      // RIB record (§4.3.2): sequence number 0, prefix length 26, prefix octets 10.1.0.64, entry count 1
      0x00, 0x00, 0x00, 0x00, 0x1a, 0x0a, 0x01, 0x00, 0x40, 0x00, 0x01,
      //   RIB entry (§4.3.4): peer index 0, originated time, attribute length 4, the attributes
      0x00, 0x00, 0x5f, 0x5e, 0x10, 0x00, 0x00, 0x04, 0x40, 0x01, 0x01, 0x00,
    ]);
  });

  it('writes IPv6 prefixes as RIB_IPV6_UNICAST with only the prefix length worth of octets', () => {
    const file = encodeTableDumpV2(
      [{ prefix: '2001:db8:5::/48', attributes: ibgpIpv6Attributes('2001:db8:5::/48', '2001:db8::5') }],
      { timestamp: TIMESTAMP },
    );
    const [, rib] = listMrtRecords(file);
    expect(rib).toMatchObject({ type: 13, subtype: 4 });
    const body = file.subarray(rib!.offset + 12, rib!.offset + rib!.length);
    // sequence number 0, prefix length 48, six prefix octets 2001:0db8:0005, entry count 1
    expect([...body.subarray(0, 13)]).toEqual([
      0, 0, 0, 0, 48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x01,
    ]);
  });

  it('numbers RIB records in order and gathers several paths to one prefix into one record', () => {
    const a = ibgpIpv4Attributes('192.0.2.1');
    const b = ibgpIpv4Attributes('198.51.100.1');
    const file = encodeTableDumpV2(
      [
        { prefix: '10.0.0.0/26', attributes: a },
        { prefix: '10.0.0.64/26', attributes: a },
        { prefix: '10.0.0.0/26', attributes: b, peerIndex: 1 },
      ],
      {
        timestamp: TIMESTAMP,
        peers: [
          { bgpId: '192.0.2.1', address: '192.0.2.1', asn: 64511 },
          { bgpId: '198.51.100.1', address: '2001:db8::1', asn: 4200000000 },
        ],
      },
    );
    const records = listMrtRecords(file);
    expect(records.map((r) => r.subtype)).toEqual([1, 2, 2]);
    const first = file.subarray(records[1]!.offset + 12);
    expect(first.readUInt32BE(0)).toBe(0); // sequence number
    expect(first.readUInt16BE(4 + 1 + 4)).toBe(2); // entry count after prefix length and 4 prefix octets
    const second = file.subarray(records[2]!.offset + 12);
    expect(second.readUInt32BE(0)).toBe(1);
    // The IPv6 peer: type 0x03 (IPv6 address, 4-octet AS), its 16-octet address and AS 4200000000.
    const peerTable = file.subarray(12, records[1]!.offset);
    const secondPeer = peerTable.subarray(8 + 13);
    expect(secondPeer[0]).toBe(0x03);
    expect([...secondPeer.subarray(5, 21)]).toEqual([...ipv6Octets('2001:db8::1')]);
    expect(secondPeer.readUInt32BE(21)).toBe(4200000000);
  });

  it('refuses routes that name a peer the table does not have', () => {
    expect(() =>
      encodeTableDumpV2([{ prefix: '10.0.0.0/8', attributes: new Uint8Array(), peerIndex: 1 }]),
    ).toThrow(/names peer 1/);
  });

  it('finds the records of a file and refuses a truncated one', () => {
    const file = encodeTableDumpV2([{ prefix: '10.0.0.0/8', attributes: ibgpIpv4Attributes('192.0.2.1') }]);
    expect(listMrtRecords(file).map((r) => r.length)).toEqual([12 + 21, file.length - 33]);
    expect(() => listMrtRecords(file.subarray(0, file.length - 1))).toThrow(/truncated/);
  });
});

describe('prefix octets', () => {
  it('keeps ceil(length / 8) octets', () => {
    expect(encodePrefix('10.1.2.192/26')).toEqual({
      family: 'ipv4',
      length: 26,
      octets: Uint8Array.from([10, 1, 2, 192]),
    });
    expect(encodePrefix('10.0.0.0/8')).toEqual({ family: 'ipv4', length: 8, octets: Uint8Array.from([10]) });
    expect(encodePrefix('0.0.0.0/0').octets).toHaveLength(0);
    expect(encodePrefix('2001:db8:1::/48').octets).toEqual(
      Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01]),
    );
  });

  it('reads every IPv6 text form', () => {
    expect([...ipv6Octets('::')]).toEqual(Array(16).fill(0));
    expect([...ipv6Octets('2001:db8::1')]).toEqual([0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]);
    expect([...ipv6Octets('::ffff:192.0.2.1')]).toEqual([...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1]);
    expect([...ipv6Octets('1:2:3:4:5:6:7:8')]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  });

  it('refuses what is not a prefix', () => {
    expect(() => encodePrefix('10.0.0.0')).toThrow(/not a prefix/);
    expect(() => encodePrefix('10.0.0.0/33')).toThrow(/bad prefix length/);
    expect(() => encodePrefix('example/8')).toThrow(/not a prefix/);
  });
});
