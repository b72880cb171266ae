import { fromBase64url, isLowerHex } from '../encoding.js';

/**
 * A TEST-ONLY device keys file (fixtures/keys/TEST-ONLY-device-*.json): what a bound phone
 * holds, for the token CLI's `mint` and the wallet simulator. Real phones keep the key in
 * their platform keystore; such files exist only as fixtures.
 */
export interface DeviceKeysFile {
  testOnly: true;
  warning: string;
  name: string;
  deviceId: string;
  deviceSeed: string;
  devicePublicKey: string;
  certificate: string;
}

export interface DeviceKeys {
  deviceId: string;
  deviceSeed: Uint8Array;
  certificate: Uint8Array;
}

export type DeviceKeysResult = { ok: true; keys: DeviceKeys } | { ok: false; message: string };

/** Reads a device keys file's JSON, naming the first bad member. Never throws. */
export function readDeviceKeysFile(json: unknown): DeviceKeysResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, message: 'a device keys file must be a JSON object' };
  }
  const file = json as Partial<Record<keyof DeviceKeysFile, unknown>>;
  if (file.testOnly !== true) return { ok: false, message: 'not a TEST-ONLY device keys file (testOnly must be true)' };
  if (typeof file.deviceId !== 'string' || !isLowerHex(file.deviceId, 16)) {
    return { ok: false, message: 'deviceId must be 16 lowercase hex characters' };
  }
  const deviceSeed = typeof file.deviceSeed === 'string' ? fromBase64url(file.deviceSeed) : null;
  if (deviceSeed?.length !== 32) return { ok: false, message: 'deviceSeed must be base64url of 32 bytes' };
  const certificate = typeof file.certificate === 'string' ? fromBase64url(file.certificate) : null;
  if (certificate?.length !== 128) return { ok: false, message: 'certificate must be base64url of 128 bytes' };
  return { ok: true, keys: { deviceId: file.deviceId, deviceSeed, certificate } };
}
