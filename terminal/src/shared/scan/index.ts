/** Scanner input, pure: events, the framing pipeline and the keyboard-wedge decoder. */
export type { ScanEvent, ScannerProblem, ScanSource } from './scanEvent.js';
export {
  createScanPipeline,
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_FRAMING,
  DEFAULT_MAX_TEXT_BYTES,
} from './scanPipeline.js';
export type { PipelineResult, ScanFraming, ScanPipeline, ScanPipelineOptions } from './scanPipeline.js';
export {
  createWedgeDecoder,
  DEFAULT_WEDGE_MAX_INTER_KEY_MS,
  DEFAULT_WEDGE_MIN_LENGTH,
  diagnoseLayout,
  fromHostLayout,
  LAYOUT_TEST_CODE,
  toHostLayout,
} from './wedgeDecoder.js';
export type {
  HostLayout,
  LayoutDiagnosis,
  WedgeDecoder,
  WedgeDecoderOptions,
  WedgeKeyEvent,
  WedgeOutput,
  WedgeTerminator,
} from './wedgeDecoder.js';
