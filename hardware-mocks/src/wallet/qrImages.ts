/**
 * QR codes of token texts as PROTOCOL.md §3 asks: error correction M (a TG1 text then fits
 * version 11), alphanumeric mode (the text is all in the QR alphanumeric set).
 */
import QRCode from 'qrcode';

const OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

export async function qrPng(text: string, scale = 6): Promise<Buffer> {
  return QRCode.toBuffer(text, { ...OPTIONS, type: 'png', scale });
}

export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'svg' });
}

/** The QR in block characters, for a terminal (scan it from the screen). */
export async function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'terminal', small: true });
}

/** The QR version the text needs at level M (11 for a TG1 token). */
export function qrVersion(text: string): number {
  return QRCode.create(text, { errorCorrectionLevel: 'M' }).version;
}
