import { describe, expect, it } from 'vitest';
import { classifyOpenError, normalizeUsbId, portMatches, usableMatch } from './serialPorts.js';

describe('classifyOpenError', () => {
  it.each([
    ['Error: No such file or directory, cannot open /dev/ttyUSB0', 'not_found'], // Linux, bindings-cpp
    ['Opening COM7: File not found', 'not_found'], // Windows
    ["Port does not exist - please call MockBinding.createPort('/dev/x') first", 'not_found'],
    ['Error Resource temporarily unavailable Cannot lock port', 'busy'], // Linux, another holder
    ['Opening COM7: Access denied', 'busy'], // Windows reports a held port so
    ['Port is locked cannot open', 'busy'],
    ['Error: Permission denied, cannot open /dev/ttyS0', 'permission'],
    ['Error: Input/output error setting custom baud rate', 'other'],
  ] as const)('%s → %s', (message, failure) => {
    expect(classifyOpenError(new Error(message))).toBe(failure);
  });
});

describe('USB matching', () => {
  const port = { path: '/dev/ttyACM0', vendorId: '0C2E', productId: '0b61', serialNumber: 'SN-1' };

  it('compares ids case- and 0x-insensitively and serial numbers exactly', () => {
    expect(normalizeUsbId('0x0C2E')).toBe('0c2e');
    expect(portMatches(port, { vendorId: '0x0c2e', productId: '0B61' })).toBe(true);
    expect(portMatches(port, { serialNumber: 'sn-1' })).toBe(false);
    expect(portMatches(port, { vendorId: '0c2e', serialNumber: 'SN-2' })).toBe(false);
  });

  it('treats an empty match as no match, so it cannot claim every port', () => {
    expect(usableMatch({})).toBeNull();
    expect(usableMatch(undefined)).toBeNull();
    expect(usableMatch({ serialNumber: 'SN-1' })).toEqual({ serialNumber: 'SN-1' });
  });
});
