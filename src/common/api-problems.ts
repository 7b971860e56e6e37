import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorSchema {
  @ApiProperty({ example: 'options.autoStockSync' })
  field: string;

  @ApiProperty({ example: 'autoStockSync must be a boolean value' })
  message: string;
}

export class ProblemSchema {
  @ApiProperty({ example: 'https://mallbridge.dev/problems/validation' })
  type: string;

  @ApiProperty({ example: 'Invalid request' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiPropertyOptional()
  detail?: string;

  @ApiPropertyOptional({ example: '/v1/connections' })
  instance?: string;

  @ApiPropertyOptional({ type: [FieldErrorSchema], description: 'one entry per invalid field' })
  errors?: FieldErrorSchema[];

  @ApiPropertyOptional({ description: 'quote it when reporting a problem' })
  requestId?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'on a 429 or a 503: seconds to wait before retrying (also in `Retry-After`)' })
  retryAfterSeconds?: number;
}

export const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request; `errors` lists each bad field.',
  401: 'Missing, unknown or revoked API key.',
  403: 'Not allowed.',
  404: "Not found (also for another tenant's resources).",
  409: 'Conflicts with the current state (e.g. an illegal transition).',
  422: 'Well-formed but unprocessable (e.g. a bulk file with bad rows).',
  429: 'Too many requests.',
};

/** Documents `application/problem+json` error responses for the given statuses. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemSchema, FieldErrorSchema),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error.',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
      }),
    ),
  );
}
