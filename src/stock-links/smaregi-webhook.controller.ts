import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/authenticated-tenant';
import { ApiProblems, ProblemSchema } from '../common/api-problems';
import { WebhookAcceptedDto } from './stock-links.dto';
import { StockWebhookIntake } from './stock-webhook-intake.service';

@ApiTags('Webhooks')
@Controller('v1/webhooks/smaregi')
export class SmaregiWebhookController {
  constructor(private readonly intake: StockWebhookIntake) {}

  /**
   * A stock link's customer URL. Smaregi posts here either the legacy API送信 stock push (form field
   * `params` = `{"data":[{"table_name":"Stock","rows":[{productId,storeId,stockAmount}]}]}`, or the same
   * JSON as the body) or the Platform `pos:stock` webhook (`Smaregi-Event: pos:stock`, stock-history `ids`).
   * Authenticated by the link's secret code `sncode` — a header (Smaregi's ヘッダ情報), the query string or
   * a form field — not by an API key. Changes are stored before the 200 and processed in the background;
   * anything not understood is kept raw with the reason. Concurrent posts are committed together (one
   * transaction); if that commit fails, every post in it is answered 503 and nothing of it is stored — Smaregi
   * sends it again.
   */
  @Post(':linkToken')
  @Public()
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiHeader({ name: 'sncode', required: false, description: "The link's secret code (or send it as `?sncode=` or a form field)." })
  @ApiHeader({ name: 'Smaregi-Event', required: false, description: '`pos:stock` for Platform API webhooks.' })
  @ApiQuery({ name: 'sncode', required: false, type: String })
  @ApiBody({
    description:
      "Read tolerantly (Smaregi's push is partly UNCONFIRMED): unknown keys are ignored, anything not understood is stored raw with the reason.",
    schema: {
      type: 'object',
      additionalProperties: true,
      properties: {
        params: { type: 'string', description: 'legacy API送信: JSON `{"data":[{"table_name":"Stock","rows":[...]}]}`' },
        sncode: { type: 'string' },
        contractId: { type: 'string' },
        event: { type: 'string', example: 'pos:stock' },
        action: { type: 'string', example: 'edited' },
        ids: {
          type: 'array',
          items: { type: 'object', properties: { id: { type: 'string' }, productId: { type: 'string' }, storeId: { type: 'string' } } },
        },
      },
    },
  })
  @ApiOkResponse({ type: WebhookAcceptedDto })
  @ApiProblems(401, 404)
  @ApiResponse({
    status: 503,
    description: 'The change could not be stored (nothing of it was): send it again.',
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
  })
  receive(@Param('linkToken') linkToken: string, @Req() request: Request): Promise<WebhookAcceptedDto> {
    return this.intake.receive(linkToken, {
      headers: request.headers,
      query: request.query as Record<string, unknown>,
      body: request.body as unknown,
    });
  }
}
