import type { Logger } from '@nestjs/common';

export type Listener<T> = (event: T) => void | Promise<void>;

/**
 * The listeners of one in-process event, for a lower module telling higher ones that something
 * happened (after it is committed). Unlike a bare EventEmitter, one failing listener, synchronous or
 * async, neither stops the others nor fails the work that emitted the event: the failure is logged.
 */
export class Listeners<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(
    private readonly event: string,
    private readonly logger: Logger,
  ) {}

  /** Subscribes; returns a function that unsubscribes. */
  add(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.remove(listener);
  }

  remove(listener: Listener<T>): void {
    this.listeners.delete(listener);
  }

  emit(event: T): void {
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.failed(error));
      } catch (error) {
        this.failed(error);
      }
    }
  }

  private failed(error: unknown): void {
    this.logger.error({ err: error, event: this.event }, `A ${this.event} listener failed`);
  }
}
