import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { installLeanAsyncResourceBind, nodeAsyncResourceBind } from './async-resource-bind';

describe('installLeanAsyncResourceBind', () => {
  // the process's one AsyncResource: an app made by an earlier test file may have installed it already
  const nodeBind = nodeAsyncResourceBind();
  beforeAll(() => installLeanAsyncResourceBind());

  it('replaces Node 20 bind, whose bound functions carry the deprecated asyncResource accessor', () => {
    const fromNode = nodeBind.call(new AsyncResource('test'), () => 1);
    expect(typeof Object.getOwnPropertyDescriptor(fromNode, 'asyncResource')?.get).toBe('function'); // what Node 20 adds
    expect(AsyncResource.prototype.bind).not.toBe(nodeBind);
    expect(
      Object.prototype.hasOwnProperty.call(
        AsyncResource.bind(() => 1),
        'asyncResource',
      ),
    ).toBe(false);
  });

  it('runs the function in the async context it was bound in, not the caller’s', () => {
    const storage = new AsyncLocalStorage<string>();
    const bound = storage.run('request 1', () => AsyncResource.bind(() => storage.getStore()));
    expect(storage.run('request 2', () => bound())).toBe('request 1');
    expect(bound()).toBe('request 1');
  });

  it('passes arguments and the result through, and the caller’s this when no thisArg is given', () => {
    const holder = {
      name: 'holder',
      read: AsyncResource.bind(function (this: unknown, suffix: unknown) {
        return `${(this as { name: string }).name}${String(suffix)}`;
      }),
    };
    expect(holder.read('!')).toBe('holder!');
  });

  it('uses thisArg when given, whatever the caller', () => {
    const resource = new AsyncResource('test');
    const self = { name: 'bound this' };
    // @types/node declares bind(fn) only; Node's takes thisArg too
    const bind = resource.bind as (fn: (this: { name: string }) => string, thisArg: unknown) => (this: unknown) => string;
    const bound = bind.call(
      resource,
      function (this: { name: string }) {
        return this.name;
      },
      self,
    );
    expect(bound.call({ name: 'caller' })).toBe('bound this');
  });

  it('keeps the function’s length, and propagates what it throws', () => {
    expect(AsyncResource.bind((a: number, b: number) => a + b).length).toBe(2);
    const failing = AsyncResource.bind(() => {
      throw new Error('from the bound function');
    });
    expect(() => failing()).toThrow('from the bound function');
  });

  it('refuses a non-function with Node’s own error', () => {
    expect(() => new AsyncResource('test').bind('not a function' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('installs once: a second call leaves the lean bind in place', () => {
    const lean = AsyncResource.prototype.bind;
    installLeanAsyncResourceBind();
    expect(AsyncResource.prototype.bind).toBe(lean);
  });
});
