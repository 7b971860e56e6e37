import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import { ProblemException } from '../common/problem';
import type { StockLink } from './stock-link.entity';
import {
  CodeMapResultDto,
  CreatedStockLinkDto,
  CreateStockLinkDto,
  FlushResultDto,
  ListStockLinksQuery,
  StockLinkDto,
  UpdateStockLinkDto,
} from './stock-links.dto';
import { StockLinkFlush } from './stock-link.flush';
import { StockLinksService } from './stock-links.service';
import { RequireRole } from '../auth/roles';

const MAX_CODE_MAP_BYTES = 10 * 1024 * 1024;
const CODE_MAP_TYPES = ['', 'text/csv', 'text/plain', 'application/csv', 'application/octet-stream'];

@ApiTags('Stock links')
@ApiProblems(400, 401)
@Controller('v1/stock-links')
export class StockLinksController {
  constructor(
    private readonly links: StockLinksService,
    private readonly flusher: StockLinkFlush,
  ) {}

  /**
   * Link a Smaregi connection with a NextEngine connection. Smaregi's stock is read now as the baseline.
   * The answer carries the customer URL to enter in Smaregi and the secret code `sncode`, shown only now.
   */
  @Post()
  @RequireRole('owner')
  @ApiCreatedResponse({ type: CreatedStockLinkDto })
  @ApiProblems(409, 422, 502)
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateStockLinkDto): Promise<CreatedStockLinkDto> {
    const { link, secretCode } = await this.links.create(caller.tenantId, body);
    return { ...(await this.view(link)), secretCode };
  }

  /** The tenant's stock links, newest first. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(StockLinkDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListStockLinksQuery): Promise<Page<StockLinkDto>> {
    const page = await this.links.list(caller.tenantId, query);
    return { data: await Promise.all(page.data.map((link) => this.view(link))), nextCursor: page.nextCursor };
  }

  /** The link with its pending uploads and the last upload's result. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<StockLinkDto> {
    return this.view(await this.links.get(caller.tenantId, id));
  }

  /** Change the link's settings; `null` clears the store filter or the notification address. */
  @Patch(':id')
  @RequireRole('owner')
  @ApiProblems(404)
  async update(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateStockLinkDto,
  ): Promise<StockLinkDto> {
    return this.view(await this.links.update(caller.tenantId, id, body));
  }

  /** The customer URL stops answering (404). */
  @Delete(':id')
  @RequireRole('owner')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems(404)
  async remove(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.links.remove(caller.tenantId, id);
  }

  /**
   * Replace the Smaregi → NextEngine code map with a CSV `smaregi-id,nextengine-code` (header required;
   * Smaregi ids 1–15 digits; NextEngine codes ≤30 half-width letters, digits, hyphens), sent as the body
   * with `Content-Type: text/csv`. Any bad row refuses the file (422, every bad row by number, header =
   * row 1) and nothing is written. An empty body clears the map. Ids not listed pass through unchanged;
   * changes already converted keep their code.
   */
  @Put(':id/code-map')
  @RequireRole('operator')
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'smaregi-id,nextengine-code\n8000001,TSHIRT-RED-M\n' } })
  @ApiOkResponse({ type: CodeMapResultDto })
  @ApiProblems(404, 413, 415, 422)
  async replaceCodeMap(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: Request,
  ): Promise<CodeMapResultDto> {
    return this.links.replaceCodeMap(caller.tenantId, id, await rawBody(request));
  }

  /** Upload pending changes to NextEngine now (and import NextEngine orders as shipments when enabled). */
  @Post(':id/flush')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: FlushResultDto })
  @ApiProblems(404, 409)
  async flush(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<FlushResultDto> {
    return this.flusher.flush(await this.links.get(caller.tenantId, id));
  }

  private async view(link: StockLink): Promise<StockLinkDto> {
    const status = await this.links.status(link);
    return {
      id: link.id,
      smaregiConnectionId: link.smaregiConnectionId,
      nextengineConnectionId: link.nextengineConnectionId,
      stockMaster: link.stockMaster,
      idMatching: link.idMatching,
      storeId: link.storeId,
      notificationEmail: link.notificationEmail,
      neMasterDivisions: link.neMasterDivisions,
      uploadDelaySeconds: link.uploadDelaySeconds,
      shipments: {
        enabled: link.shipmentsEnabled,
        contractId: link.shipmentContractId,
        storeId: link.shipmentStoreId,
        accessToken: link.shipmentTokenHint,
      },
      customerUrl: this.links.customerUrl(link),
      pendingUploads: status.pendingUploads,
      unrecognisedEvents: status.unrecognisedEvents,
      lastUploadAt: link.lastUploadAt,
      lastUpload: status.lastUpload ?? undefined,
      seededAt: link.seededAt,
      notices: {
        setupMail: link.setupMailStatus,
        setupMailError: link.setupMailError,
        firstChangeAppliedAt: link.firstChangeNoticeAt,
        firstChangeMail: link.firstChangeMailStatus,
      },
      createdAt: link.createdAt,
      updatedAt: link.updatedAt,
    };
  }
}

/** The body as sent (the JSON and form parsers leave other types unread). */
async function rawBody(request: Request): Promise<Buffer> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!CODE_MAP_TYPES.includes(type)) {
    throw new ProblemException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported-media-type',
      'Unsupported media type',
      'Send the code map as the body with Content-Type text/csv.',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CODE_MAP_BYTES) {
      throw new ProblemException(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'payload-too-large',
        'Payload too large',
        `The code map is larger than ${MAX_CODE_MAP_BYTES / 1024 / 1024} MB.`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
