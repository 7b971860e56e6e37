import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Body, Controller, Get, type INestApplication, Module, Post, Query, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Express, Request } from 'express';
import { MallbridgeExpressAdapter } from './express-adapter';

@Controller('probe')
class ProbeController {
  @Get()
  read(@Req() request: Request, @Query('q') q?: string) {
    return { host: request.get('host'), q, path: request.path, isRequest: request instanceof IncomingMessage };
  }

  @Post()
  echo(@Body() body: unknown) {
    return { body };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('MallbridgeExpressAdapter', () => {
  let app: INestApplication;
  let base: string;
  const bornWith: Array<{ request: object; response: object; responseIsNodes: boolean }> = [];

  beforeAll(async () => {
    app = await NestFactory.create(ProbeModule, new MallbridgeExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as Server;
    // before Express sees them: what the HTTP server itself constructed
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) =>
      bornWith.push({
        request: Object.getPrototypeOf(request) as object,
        response: Object.getPrototypeOf(response) as object,
        responseIsNodes: response instanceof ServerResponse,
      }),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => app.close());

  it('has the server build requests and responses with Express’s prototypes already, so Express need not re-parent them', async () => {
    const response = await fetch(`${base}/probe?q=1`);
    expect(response.status).toBe(200);
    const express = app.getHttpAdapter().getInstance() as Express & { request: object; response: object };
    expect(bornWith.at(-1)).toEqual({ request: express.request, response: express.response, responseIsNodes: true });
  });

  it('serves as Express does: its request helpers, the query, a JSON body, keep-alive requests one after another', async () => {
    const first = await fetch(`${base}/probe?q=first`);
    expect(await first.json()).toEqual({ host: base.slice('http://'.length), q: 'first', path: '/probe', isRequest: true });
    const second = await fetch(`${base}/probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'A-1', qty: 2 }),
    });
    expect(second.status).toBe(201);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await second.json()).toEqual({ body: { sku: 'A-1', qty: 2 } });
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
  });
});
