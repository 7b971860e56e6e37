import { DatabaseError } from 'pg';
import { BadRequestException, Body, Controller, type ExecutionContext, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { lastValueFrom, of } from 'rxjs';
import { IllegalTransitionError, InvalidInputError } from './domain-errors';
import { JsonBodyInterceptor } from './json-body.interceptor';
import { ProblemException } from './problem';
import { ProblemFilter } from './problem.filter';

type FilterRequest = Parameters<ProblemFilter['toProblem']>[1];

function request(over: Partial<Request> & { contentType?: string } = {}): FilterRequest {
  const headers = { 'content-type': over.contentType ?? 'application/json', ...(over.headers ?? {}) };
  return {
    method: 'POST',
    originalUrl: '/v1/things/x',
    params: {},
    ...over,
    headers,
    is: (types: string | string[]) => ([] as string[]).concat(types).some((t) => headers['content-type'].includes(t.replace('+', ''))),
  } as unknown as FilterRequest;
}

describe('ProblemFilter: every 400 names its fields', () => {
  const filter = new ProblemFilter();

  it('names the path parameter a Parse*Pipe refused', async () => {
    const error = await new ParseUUIDPipe().transform('not-a-uuid', { type: 'param', data: 'id' }).catch((e: unknown) => e);
    const problem = filter.toProblem(error, request({ params: { id: 'not-a-uuid', other: '6f1c1e9e-2f43-4b5e-9d3a-0c1e2b3a4d5e' } }));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'id', message: expect.stringContaining('uuid') }]);
  });

  it('names `body` for malformed JSON (Nest turns the parser SyntaxError into a plain BadRequestException)', () => {
    const problem = filter.toProblem(new BadRequestException('Unexpected token } in JSON at position 12'), request());
    expect(problem.errors).toEqual([{ field: 'body', message: expect.any(String) }]);
  });

  it('names the unexpected multipart field', () => {
    const problem = filter.toProblem(
      new BadRequestException('Unexpected field - upload'),
      request({ contentType: 'multipart/form-data; boundary=x' }),
    );
    expect(problem.errors).toEqual([{ field: 'upload', message: 'Unexpected field' }]);
  });

  it('adds errors to a 400 problem raised without them, and keeps those that have them', () => {
    const bare = filter.toProblem(new ProblemException(400, 'some-rule', 'Invalid'), request({ contentType: 'text/plain' }));
    expect(bare.errors).toEqual([{ field: 'request', message: 'Invalid' }]);
    const withErrors = filter.toProblem(
      new ProblemException(400, 'some-rule', 'Invalid', 'd', { errors: [{ field: 'x', message: 'm' }] }),
      request(),
    );
    expect(withErrors.errors).toEqual([{ field: 'x', message: 'm' }]);
  });
});

@Controller()
class SampleController {
  @Post(':id')
  update(@Param('id') _id: string, @Body() _body: object) {}

  @Post('upload')
  upload(@Req() _request: Request) {}
}

describe('JsonBodyInterceptor', () => {
  const interceptor = new JsonBodyInterceptor();
  const context = (handler: 'update' | 'upload', req: FilterRequest) =>
    ({
      getType: () => 'http',
      getClass: () => SampleController,
      getHandler: () => SampleController.prototype[handler],
      switchToHttp: () => ({ getRequest: () => req }),
    }) as unknown as ExecutionContext;
  const next = { handle: () => of('handled') };

  it('answers 415 to a body no parser read (text/plain, XML) on a route that takes @Body()', () => {
    const req = request({ contentType: 'text/plain', headers: { 'content-length': '12' } as never, body: undefined });
    expect(() => interceptor.intercept(context('update', req), next)).toThrow(expect.objectContaining({ status: 415 }));
  });

  it('lets through parsed bodies, requests without a body, and routes that read the raw request', async () => {
    const parsed = request({ headers: { 'content-length': '2' } as never, body: {} });
    await expect(lastValueFrom(interceptor.intercept(context('update', parsed), next))).resolves.toBe('handled');
    const empty = request({ contentType: 'text/plain', body: undefined });
    await expect(lastValueFrom(interceptor.intercept(context('update', empty), next))).resolves.toBe('handled');
    const csv = request({ contentType: 'text/csv', headers: { 'content-length': '20' } as never, body: undefined });
    await expect(lastValueFrom(interceptor.intercept(context('upload', csv), next))).resolves.toBe('handled');
  });
});

describe('ProblemFilter: domain errors get their HTTP meaning only here', () => {
  const filter = new ProblemFilter();

  it('answers an illegal state move with 409 naming both states and the allowed ones', () => {
    const problem = filter.toProblem(new IllegalTransitionError('An order', 'new', 'shipped', ['confirmed']), request());
    expect(problem).toMatchObject({
      status: 409,
      type: expect.stringMatching(/illegal-transition$/),
      detail: 'An order in status "new" cannot become "shipped".',
      from: 'new',
      to: 'shipped',
      allowed: ['confirmed'],
    });
  });

  it('answers unusable input with 400 naming the field', () => {
    const problem = filter.toProblem(new InvalidInputError('Qoo10 needs the API key issued in QSM', 'credentials.apiKey'), request());
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'credentials.apiKey', message: 'Qoo10 needs the API key issued in QSM' }]);
  });

  it('answers a statement the database gave up on (statement timeout) with 503, without the statement', () => {
    const timedOut = Object.assign(new DatabaseError('canceling statement due to statement timeout', 0, 'error'), { code: '57014' });
    expect(filter.toProblem(timedOut, request())).toEqual({
      type: expect.stringMatching(/\/database-busy$/),
      title: 'Service unavailable',
      status: 503,
      detail: expect.stringContaining('did not answer in time'),
      retryAfterSeconds: 2,
      instance: '/v1/things/x',
    });
  });

  it('keeps other errors unexplained: a 500 without details', () => {
    expect(filter.toProblem(new Error('SELECT secret'), request())).toMatchObject({
      status: 500,
      detail: expect.not.stringContaining('secret'),
    });
  });
});
