import type { Scope } from 'nock';

import { testConnectionContext, type TestConnectionContext } from '../testing/test-connection-context';
import { QAPI_ROOT } from './qoo10.client';
import { QOO10_DESCRIPTOR } from './qoo10.descriptor';

/** Unit-test support: QAPI answered through a nock scope on the production host, and a context that calls it. */
export const QOO10_TEST_HOST = 'https://api.qoo10.jp';
export const QOO10_TEST_NOW = new Date('2025-05-01T03:00:00Z'); // 12:00 JST

export function qoo10TestContext(settings: Record<string, unknown> = {}): TestConnectionContext {
  return testConnectionContext(QOO10_DESCRIPTOR, {
    shopId: 'qsm-login',
    credentials: { apiKey: 'API', certificationKey: 'SAK-1' },
    settings,
    now: () => QOO10_TEST_NOW,
  });
}

export interface QapiCall {
  method: string;
  /** the form parameters, `returnType` left out */
  params: Record<string, string>;
  /** the QAPIVersion header */
  version: unknown;
}

/** A QAPI envelope (HTTP 200), or `[status, body]` for an HTTP-level answer. */
export type QapiAnswer = (params: Record<string, string>) => object | [number, string];

/**
 * Answers QAPI calls on `scope` (`nock(QOO10_TEST_HOST)`) by method name — an unknown method gets -90001, as Qoo10
 * answers it — and records every call, so a test asserts exactly what went over the wire. `nock.cleanAll()` ends it.
 * The scope is passed in so that this file needs nock's types only, never nock itself.
 */
export function fakeQapi(scope: Scope, answers: Record<string, QapiAnswer>): QapiCall[] {
  const calls: QapiCall[] = [];
  scope
    .persist()
    .post((uri) => uri.startsWith(`${QAPI_ROOT}/`))
    .reply(function (uri, body) {
      const method = uri.slice(QAPI_ROOT.length + 1);
      const params = Object.fromEntries(new URLSearchParams(String(body)));
      delete params.returnType;
      calls.push({ method, params, version: this.req.headers.qapiversion });
      const answer = answers[method]?.(params) ?? { ResultCode: -90001, ResultMsg: 'The API does not exist' };
      return Array.isArray(answer) ? answer : [200, answer];
    });
  return calls;
}
