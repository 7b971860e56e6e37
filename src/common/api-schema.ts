import type { Type } from '@nestjs/common';
import { type ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';

/**
 * A property that is either the model or null. OpenAPI 3.0 allows `nullable` only beside a `type`,
 * and a bare `$ref` may carry no siblings, hence the `allOf` wrapper with `type: object`.
 * The model must be registered with `@ApiExtraModels`.
 */
export function nullableRef(model: Type<unknown>, description?: string): ApiPropertyOptions {
  return { type: 'object', nullable: true, allOf: [{ $ref: getSchemaPath(model) }], description } as ApiPropertyOptions;
}
