/** Where a scan came from (DESIGN.md "A sale", step 2). */
export type ScanSource = 'serial' | 'wedge' | 'camera' | 'replay';

/**
 * One read from any scanner, before the pipeline touches it. `raw` is exactly what the device
 * delivered for this read (bytes as Latin-1/UTF-8 decoded text are the pipeline's business),
 * so a technician can see what the scanner sent.
 */
export interface ScanEvent {
  source: ScanSource;
  /** Stable id of the scanner (configured scanner id, camera device id, replay file…). */
  deviceId: string;
  /** Milliseconds on the register's monotonic-backed clock when the read completed. */
  receivedAt: number;
  raw: Uint8Array;
  /** AIM symbology identifier if the device reported one (`]Q1` = QR), else undefined. */
  symbology?: string;
}

/** A problem with a scanner or its input: shown to the technician, never fatal. */
export interface ScannerProblem {
  deviceId: string;
  at: number;
  code:
    | 'line_too_long'
    | 'binary_noise'
    | 'partial_frame'
    | 'invalid_utf8'
    | 'disconnected'
    | 'reconnected'
    | 'open_failed'
    | 'port_error';
  message: string;
  /** Up to 64 bytes of what was received, hex, for the technician's diagnostics. */
  sample?: string;
}
