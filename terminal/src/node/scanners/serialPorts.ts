import type { ScannerConfig } from '../../shared/contracts/terminalApi.js';

/**
 * The slice of `@serialport`'s binding API the register uses. Declared here structurally so the
 * real bindings (`SerialPort.binding` from `serialport`) and `@serialport/binding-mock` both fit
 * without this layer importing serialport's internal packages.
 */
export interface SerialPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

/** Optional as in the bindings' own types (macOS knows no mark/space parity). */
export interface SerialOpenOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
  /** Exclusive access: a second program opening the scanner fails instead of stealing reads. */
  lock?: boolean;
}

export interface SerialBindingPort {
  readonly isOpen: boolean;
  /** Resolves with at least one byte; rejects when the port closes or the device goes away. */
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export interface SerialBinding {
  list(): Promise<SerialPortInfo[]>;
  open(options: SerialOpenOptions): Promise<SerialBindingPort>;
}

/** One row of `tegata-terminal ports`. */
export interface SerialPortListing {
  path: string;
  vendorId: string | null;
  productId: string | null;
  serialNumber: string | null;
  manufacturer: string | null;
  pnpId: string | null;
}

/**
 * The operating system's serial bindings, loaded on first use: the native module stays out of
 * processes (and tests) that never touch a real port.
 */
export async function loadSystemBinding(): Promise<SerialBinding> {
  const { SerialPort } = await import('serialport');
  return SerialPort.binding;
}

/**
 * The serial ports the operating system reports, sorted by path. Rejects with a readable
 * message when enumeration itself fails (on Linux it needs `udevadm`).
 */
export async function listSerialPorts(binding?: SerialBinding): Promise<SerialPortListing[]> {
  const source = binding ?? (await loadSystemBinding());
  let ports: SerialPortInfo[];
  try {
    ports = await source.list();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /udevadm/.test(reason) ? ' (on Linux this needs udev: is `udevadm` installed?)' : '';
    throw new Error(`Could not list serial ports: ${reason}${hint}`, { cause: error });
  }
  return ports
    .map((port) => ({
      path: port.path,
      vendorId: normalizeUsbId(port.vendorId),
      productId: normalizeUsbId(port.productId),
      serialNumber: port.serialNumber ?? null,
      manufacturer: port.manufacturer ?? null,
      pnpId: port.pnpId ?? null,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** USB ids as lowercase hex without `0x`, whichever way the platform spells them. */
export function normalizeUsbId(id: string | undefined): string | null {
  if (id === undefined || id === '') return null;
  return id.replace(/^0x/i, '').toLowerCase();
}

/** The USB identity a scanner is configured to be found by. */
export type UsbMatch = NonNullable<ScannerConfig['match']>;

/** The match if it names anything; an empty match would match every port. */
export function usableMatch(match: ScannerConfig['match']): UsbMatch | null {
  if (!match) return null;
  return match.vendorId || match.productId || match.serialNumber ? match : null;
}

export function portMatches(port: SerialPortInfo, match: UsbMatch): boolean {
  if (match.vendorId && normalizeUsbId(port.vendorId) !== normalizeUsbId(match.vendorId)) return false;
  if (match.productId && normalizeUsbId(port.productId) !== normalizeUsbId(match.productId)) return false;
  if (match.serialNumber && port.serialNumber !== match.serialNumber) return false;
  return true;
}

export function describeDevice(device: UsbMatch | SerialPortInfo): string {
  const usb = `USB ${device.vendorId ?? '????'}:${device.productId ?? '????'}`;
  return device.serialNumber ? `${usb} serial ${device.serialNumber}` : usb;
}

export type OpenFailure = 'not_found' | 'busy' | 'permission' | 'wrong_device' | 'other';

/** Bindings report failures as text only; these are the spellings of Linux, macOS, Windows and the mock. */
export function classifyOpenError(error: unknown): OpenFailure {
  const text = error instanceof Error ? error.message : String(error);
  if (/no such file|ENOENT|does not exist|file not found|cannot find/i.test(text)) return 'not_found';
  if (/permission denied|EACCES|EPERM/i.test(text)) return 'permission';
  if (/lock|busy|EBUSY|resource temporarily unavailable|access denied/i.test(text)) return 'busy';
  return 'other';
}

/** What a technician reads when a port does not open. */
export function openFailureMessage(failure: OpenFailure, path: string, error: unknown): string {
  switch (failure) {
    case 'not_found':
      return `Port ${path} not found. Plugged in? Try \`tegata-terminal ports\`.`;
    case 'busy':
      return `Port ${path} is busy: another program has it open (a second register, a serial terminal, ModemManager?). Close it; the scanner connects by itself.`;
    case 'permission':
      return `No permission to open ${path}. On Linux add the register's user to the dialout group and log in again.`;
    case 'wrong_device':
    case 'other':
      return `Could not open ${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
