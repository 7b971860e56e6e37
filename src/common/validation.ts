import { applyDecorators, type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
// eslint-disable-next-line no-restricted-imports -- the one place IsOptional is wrapped, for fields where null is a meaning
import { IsDate, IsObject, IsOptional, ValidateIf, ValidateNested } from 'class-validator';
import { LRUCache } from 'lru-cache';
import { type FieldError, ValidationProblem } from './problem';

/** Flatten class-validator's tree into `a.b[2].c` paths, one entry per failed constraint. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : parent ? `.${error.property}` : error.property;
    const path = parent + segment;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({ field: path, message: constraint === 'whitelistValidation' ? `${error.property} is not an allowed property` : message });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}

/** Keys class-transformer drops silently (so `forbidNonWhitelisted` never sees them): refused instead. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * What no DTO can express: NUL characters (PostgreSQL text cannot hold them, so they would fail deep in
 * a query) and prototype keys, anywhere in a body, query or path value.
 */
export function screenRawInput(value: unknown, path = '', depth = 0): FieldError[] {
  if (typeof value === 'string')
    return value.includes('\u0000') ? [{ field: path || 'body', message: `${path || 'value'} must not contain NUL characters` }] : [];
  if (value === null || typeof value !== 'object' || depth > 32 || Buffer.isBuffer(value)) return [];
  const out: FieldError[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => out.push(...screenRawInput(item, join(path, index), depth + 1)));
    return out;
  }
  for (const key of Object.keys(value)) {
    const field = join(path, key);
    if (FORBIDDEN_KEYS.has(key)) out.push({ field, message: `${key} is not an allowed property` });
    else if (key.includes('\u0000')) out.push({ field, message: 'property names must not contain NUL characters' });
    else out.push(...screenRawInput((value as Record<string, unknown>)[key], field, depth + 1));
  }
  return out;
}

/**
 * The global pipe: screens raw input, insists on a JSON object for DTO bodies, then validates the DTO.
 *
 * A query string that passed is remembered (`validQueries`): validating the same one again gives the same DTO,
 * every step being a pure function of the string and the class, and a console polls the same list URL over and
 * over. Transforming and validating a list's query DTO was about a tenth of what `GET /v1/orders` cost beyond a
 * bare route (`npm run bench:api`, CPU profile); a remembered one is a lookup and a copy. Only successes are kept
 * (a refusal is computed each time, with its fields), only DTOs of plain values (a copy per request, so a handler
 * that changes its DTO changes nobody else's), and only short query strings, a few hundred per DTO class.
 */
export class ProblemValidationPipe extends ValidationPipe {
  private readonly validQueries = new Map<NonNullable<ArgumentMetadata['metatype']>, LRUCache<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const errors = screenRawInput(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (errors.length) throw new ValidationProblem(errors);
    }
    const isDto = typeof metadata.metatype === 'function' && ![String, Number, Boolean, Array, Object].includes(metadata.metatype as never);
    if (metadata.type === 'body' && isDto && value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new ValidationProblem([{ field: 'body', message: 'the body must be a JSON object' }]);
    }
    if (metadata.type !== 'query' || !isDto || typeof value !== 'object' || value === null) return super.transform(value, metadata);
    const key = JSON.stringify(value);
    if (key.length > MAX_REMEMBERED_QUERY) return super.transform(value, metadata);
    const dtoClass = metadata.metatype!;
    const remembered = this.validQueries.get(dtoClass)?.get(key);
    if (remembered) return copyOfPlainDto(remembered);
    const dto = (await super.transform(value, metadata)) as unknown;
    if (isPlainDto(dto)) {
      let queries = this.validQueries.get(dtoClass);
      if (!queries) this.validQueries.set(dtoClass, (queries = new LRUCache({ max: REMEMBERED_QUERIES_PER_DTO })));
      queries.set(key, copyOfPlainDto(dto));
    }
    return dto;
  }
}

const MAX_REMEMBERED_QUERY = 1_000;
const REMEMBERED_QUERIES_PER_DTO = 500;

/** A DTO whose every value is a primitive, a Date or an array of primitives: what a copy can make independent. */
function isPlainDto(dto: unknown): dto is object {
  if (typeof dto !== 'object' || dto === null) return false;
  return Object.values(dto).every(
    (value) =>
      value === null ||
      typeof value !== 'object' ||
      value instanceof Date ||
      (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')),
  );
}

function copyOfPlainDto<T extends object>(dto: T): T {
  const copy = Object.create(Object.getPrototypeOf(dto) as object | null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(dto)) {
    copy[key] = value instanceof Date ? new Date(value.getTime()) : Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return copy as T;
}

/** Strict validation for every request: unknown properties are errors, types are transformed. */
export function createValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
  });
}

/**
 * The one way a DTO field is made optional. Omitting the field skips its validators; `null` does NOT
 * (class-validator's `@IsOptional()` skips on null too, so `{"name": null}` reached services that read
 * an absent value as "keep" and a null one as a value, and crashed or silently did nothing): `null` is
 * validated like any value and refused with the field named.
 *
 * `{ nullable: true }` where `null` has a documented meaning (clearing a value): then null skips the
 * validators too, and the field's `@ApiProperty` must say `nullable: true`.
 */
export function Optional(options: { nullable?: boolean } = {}): PropertyDecorator {
  return options.nullable ? IsOptional() : ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * A nested DTO that must be a JSON object. `@ValidateNested()` alone lets an array through (it validates
 * each element, of which `[]` has none) and skips a missing value; `@IsObject()` closes both gaps
 * (combine with `@Optional()` for optional objects).
 */
export function NestedObject(type: () => new () => object) {
  return applyDecorators(IsObject(), ValidateNested(), Type(type));
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An ISO 8601 date-time, delivered to the handler as a `Date`. Unlike `@Type(() => Date)`, which turns
 * `12345` or `true` into a date in 1970, only an ISO 8601 string converts; anything else fails.
 */
export function IsoDateTime() {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => {
      if (value === undefined || value === null || value instanceof Date) return value;
      return typeof value === 'string' && ISO_8601.test(value.trim()) ? new Date(value.trim()) : new Date(Number.NaN);
    }),
    IsDate({ message: '$property must be an ISO 8601 date-time' }),
  );
}
