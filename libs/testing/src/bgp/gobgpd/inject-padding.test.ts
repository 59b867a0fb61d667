import { describe, expect, it } from 'vitest';
import { ibgpIpv4Attributes, ibgpIpv6Attributes } from '../fixtures/attributes';
import { encodeTableDumpV2, listMrtRecords } from '../mrt/table-dump-v2';
import { padForGobgpInject } from './inject-padding';

describe('padding an MRT file for gobgp mrt inject', () => {
  it('appends copies of the last RIB record and names its prefix', () => {
    const file = encodeTableDumpV2([
      { prefix: '10.0.0.0/26', attributes: ibgpIpv4Attributes('192.0.2.1') },
      { prefix: '10.0.0.64/26', attributes: ibgpIpv4Attributes('192.0.2.2') },
    ]);
    const { padded, lastPrefix, lastFamily } = padForGobgpInject(file, 10);
    expect(lastPrefix).toBe('10.0.0.64/26');
    expect(lastFamily).toBe('ipv4');
    const records = listMrtRecords(padded);
    expect(records).toHaveLength(3 + 10);
    const last = records[2]!;
    const lastBytes = padded.subarray(last.offset, last.offset + last.length);
    for (const copy of records.slice(3))
      expect(padded.subarray(copy.offset, copy.offset + copy.length)).toEqual(lastBytes);
    expect(padded.subarray(0, file.length)).toEqual(file);
  });

  it('names an IPv6 last prefix in a form gobgp reads', () => {
    const file = encodeTableDumpV2([
      { prefix: '2001:db8:5::/48', attributes: ibgpIpv6Attributes('2001:db8:5::/48', '2001:db8::5') },
    ]);
    expect(padForGobgpInject(file, 1)).toMatchObject({
      lastPrefix: '2001:db8:5:0:0:0:0:0/48',
      lastFamily: 'ipv6',
    });
  });

  it('refuses a file without RIB records', () => {
    expect(() => padForGobgpInject(encodeTableDumpV2([]))).toThrow(/no RIB_IPV4_UNICAST/);
  });
});
