import { describe, it, expect } from 'vitest';
import { checkDestination, resolvePinned, type Resolver } from '../../src/guards/destination.js';
import { isPublicAddress, parseIPv6 } from '../../src/guards/ip.js';

// Tests never resolve real names: every call gets an injected resolver.
const fixed = (...addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
const failing: Resolver = async () => {
  throw new Error('resolver must not be called');
};

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, metadata, multicast, reserved', () => {
    const blocked = [
      '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
      '169.254.0.1', '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250',
      '255.255.255.255', '240.0.0.1', '192.0.2.1', '198.51.100.1', '203.0.113.9', '198.18.0.1', '192.0.0.8',
      '::', '::1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd00::1', 'fd00:ec2::254', 'ff02::1', 'fec0::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1',
      '::127.0.0.1', '::ffff:0:10.0.0.1', '64:ff9b::127.0.0.1', '64:ff9b::a00:1', '64:ff9b:1::1', '2002:7f00:1::1',
      '2002:a9fe:a9fe::1', '2001::1', '2001:db8::1', '100::1', '[::1]', 'not-an-ip', '', '1.2.3', '01.2.3.4',
    ];
    for (const ip of blocked) expect(isPublicAddress(ip), ip).toBe(false);
  });
  it('accepts public unicast', () => {
    const open = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2606:4700:4700::1111',
      '2a00:1450:4001::1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '[2606:4700::1]'];
    for (const ip of open) expect(isPublicAddress(ip), ip).toBe(true);
  });
  it('parses IPv6 forms', () => {
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    expect(parseIPv6('1::1.2.3.4')).toEqual([1, 0, 0, 0, 0, 0, 0x0102, 0x0304]);
    expect(parseIPv6('fe80::1%eth0')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('nope')).toBeUndefined();
  });
});

describe('checkDestination', () => {
  it('refuses port 25 only when allowPort25 is false', async () => {
    await expect(checkDestination('smtp.example.com', 25, { allowPort25: false }, failing)).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(checkDestination('smtp.example.com', 25, {}, failing)).resolves.toBeUndefined();
    await expect(checkDestination('smtp.example.com', 587, { allowPort25: false }, failing)).resolves.toBeUndefined();
  });
  it('validates host and port', async () => {
    await expect(checkDestination('a b', 587, {}, failing)).rejects.toMatchObject({ code: 'ECONFIG' });
    await expect(checkDestination('h\r\n', 587, {}, failing)).rejects.toMatchObject({ code: 'ECONFIG' });
    await expect(checkDestination('h', 0, {}, failing)).rejects.toMatchObject({ code: 'ECONFIG' });
    await expect(checkDestination('h', 70000, {}, failing)).rejects.toMatchObject({ code: 'ECONFIG' });
  });
  it('pins the resolved public address', async () => {
    await expect(checkDestination('smtp.example.com', 587, { publicAddressesOnly: true }, fixed('8.8.4.4', '8.8.8.8'))).resolves.toEqual({
      address: '8.8.4.4',
      family: 4,
    });
    await expect(checkDestination('smtp.example.com', 587, { publicAddressesOnly: true }, fixed('2606:4700::1'))).resolves.toEqual({
      address: '2606:4700::1',
      family: 6,
    });
  });
  it('refuses a host resolving to any non-public address', async () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '169.254.169.254', 'fd00:ec2::254', '::ffff:127.0.0.1', '100.64.1.1', '::1']) {
      await expect(checkDestination('evil.example', 587, { publicAddressesOnly: true }, fixed(ip)), ip).rejects.toMatchObject({ code: 'EGUARD' });
    }
    // One public and one private record: a rebinding setup, refused.
    await expect(checkDestination('evil.example', 587, { publicAddressesOnly: true }, fixed('8.8.8.8', '192.168.0.1'))).rejects.toThrow(/non-public/);
  });
  it('checks IP literals without resolving', async () => {
    await expect(checkDestination('127.0.0.1', 587, { publicAddressesOnly: true }, failing)).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(checkDestination('[::1]', 587, { publicAddressesOnly: true }, failing)).rejects.toMatchObject({ code: 'EGUARD' });
    await expect(checkDestination('8.8.8.8', 587, { publicAddressesOnly: true }, failing)).resolves.toEqual({ address: '8.8.8.8', family: 4 });
  });
  it('reports resolver failures as ECONNECTION', async () => {
    const broken: Resolver = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(resolvePinned('nx.example', true, broken)).rejects.toMatchObject({ code: 'ECONNECTION', transient: true });
    await expect(resolvePinned('nx.example', true, fixed())).rejects.toMatchObject({ code: 'ECONNECTION' });
  });
});
