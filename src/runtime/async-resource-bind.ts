import { AsyncResource } from 'node:async_hooks';

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * `AsyncResource.prototype.bind` as Node itself has it from v25 on, for the Node 20 this service runs on.
 *
 * Nest calls `AsyncResource.bind` once per interceptor on every request. Node 20's version also gives each
 * bound function a deprecated `asyncResource` accessor (DEP0172) whose getter and setter come from
 * `util.deprecate`, which makes every fresh getter the prototype of its wrapper (nodejs/node#58218). V8 keeps
 * those per-request prototypes in long-lived transition caches, and through the getter's closure the whole
 * request — request, response, loggers, guards — survived each young-generation collection and was
 * promoted to the old generation: the major collections behind the 50–100 ms p99 stalls of issue 19.
 * Node 24 stopped re-prototyping (nodejs/node#59195, #59518) and Node 25 removed the property
 * (nodejs/node#58618); nothing here reads it. Everything else is Node's: the same async scope, `this`,
 * `thisArg`, `length`, and its own argument error.
 */
export function installLeanAsyncResourceBind(): void {
  if (nodeAsyncResourceBind() !== AsyncResource.prototype.bind) return; // installed already
  const nodeBind = AsyncResource.prototype.bind as (this: AsyncResource, fn: unknown, thisArg?: unknown) => AnyFunction;
  const probe = nodeBind.call(new AsyncResource('mallbridge-probe'), () => undefined);
  if (!Object.prototype.hasOwnProperty.call(probe, 'asyncResource')) return; // this Node no longer adds it
  function bind(this: AsyncResource, fn: AnyFunction, thisArg?: unknown): AnyFunction {
    if (typeof fn !== 'function') return nodeBind.call(this, fn, thisArg); // Node's ERR_INVALID_ARG_TYPE
    const resource = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the wrapper's own `this` is the caller's
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : resource.runInAsyncScope.bind(resource, fn, thisArg);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    return bound;
  }
  Object.defineProperty(bind, NODE_BIND, { value: nodeBind });
  AsyncResource.prototype.bind = bind as typeof AsyncResource.prototype.bind;
}

/** Node's own `AsyncResource.prototype.bind`, whether or not the lean one is installed (the process has one `AsyncResource`). */
export function nodeAsyncResourceBind(): typeof AsyncResource.prototype.bind {
  const current = AsyncResource.prototype.bind as typeof AsyncResource.prototype.bind & {
    [NODE_BIND]?: typeof AsyncResource.prototype.bind;
  };
  return current[NODE_BIND] ?? current;
}

// Symbol.for: the one registry of the process, so a second copy of this module (a test runner's) finds it too
const NODE_BIND = Symbol.for('mallbridge.nodeAsyncResourceBind');
