import { Global, Injectable, Logger, Module } from '@nestjs/common';
import type { DomainEvents } from './domain-events';

export type DomainEventName = keyof DomainEvents;
export type DomainEventListener<E extends DomainEventName> = (event: DomainEvents[E]) => void | Promise<void>;

/**
 * The one in-process event bus (Vendure's `EventBus` is the model): a module publishes what happened, after
 * it is committed, and modules above it subscribe, so no lower module imports a higher one. Events are typed
 * by name in {@link DomainEvents}. One failing listener, synchronous or async, neither stops the others nor
 * fails the work that published the event: the failure is logged. Work that must survive a crash goes through
 * the job queue instead; a listener here only wakes it.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);
  private readonly listeners = new Map<DomainEventName, Set<DomainEventListener<DomainEventName>>>();

  /** Subscribes; returns a function that unsubscribes. */
  subscribe<E extends DomainEventName>(name: E, listener: DomainEventListener<E>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener as DomainEventListener<DomainEventName>);
    this.listeners.set(name, set);
    return () => set.delete(listener as DomainEventListener<DomainEventName>);
  }

  publish<E extends DomainEventName>(name: E, event: DomainEvents[E]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.failed(name, error));
      } catch (error) {
        this.failed(name, error);
      }
    }
  }

  private failed(name: DomainEventName, error: unknown): void {
    this.logger.error({ err: error, event: name }, `A ${name} listener failed`);
  }
}

@Global()
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventsModule {}
