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
