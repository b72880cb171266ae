import type { TerminalEvent } from '../../shared/contracts/terminalApi.js';
import type { Logger } from './ports.js';

/** The core's listeners: each hears every event; one that throws is logged, never stops the others. */
export class EventHub {
  readonly #listeners = new Set<(event: TerminalEvent) => void>();

  constructor(readonly logger: Logger) {}

  subscribe(listener: (event: TerminalEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Someone listens (so an event worth computing is worth sending). */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  emit(event: TerminalEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'event listener failed');
      }
    }
  }
}
