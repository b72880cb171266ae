import { parseArgs } from 'node:util';
import { listSerialPorts } from '../node/scanners/serialPorts.js';
import { UsageError } from './cliSupport.js';

export async function portsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError('ports takes no arguments');
  let ports: Awaited<ReturnType<typeof listSerialPorts>>;
  try {
    ports = await listSerialPorts();
  } catch (error) {
    process.stderr.write(`tegata-terminal: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(ports)}\n`);
    return 0;
  }
  if (ports.length === 0) {
    process.stdout.write('No serial ports found. Is the scanner plugged in and set to USB serial (CDC/COM) mode?\n');
    return 0;
  }
  for (const port of ports) {
    const usb = [port.vendorId && `vendor ${port.vendorId}`, port.productId && `product ${port.productId}`, port.serialNumber && `serial ${port.serialNumber}`]
      .filter(Boolean)
      .join(', ');
    process.stdout.write(`${port.path}${usb ? `  (${usb})` : ''}${port.manufacturer ? `  ${port.manufacturer}` : ''}\n`);
  }
  return 0;
}
