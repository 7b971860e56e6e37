import { applyDecorators, type Type as ClassType } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Optional } from './validation';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { isDataException } from './sql';
import { ValidationProblem } from './problem';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

/** `?limit=&cursor=` for every list endpoint. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's `nextCursor`." })
  @Optional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

interface CursorPosition {
  /** the sort value of the last row (ISO time, number or text) */
  v: string | number;
  id: string;
}

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidCursor(): ValidationProblem {
  return new ValidationProblem([{ field: 'cursor', message: 'cursor is not a cursor this API issued' }]);
}

function decodeCursor(cursor: string): CursorPosition {
  let parsed: CursorPosition;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPosition;
  } catch {
    throw invalidCursor();
  }
  // Only what `encodeCursor` writes: a row id and a finite number or a short NUL-free text.
  const { id, v } = parsed ?? ({} as CursorPosition);
  const validValue = typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.length <= 500 && !v.includes('\u0000');
  if (typeof id !== 'string' || !UUID.test(id) || !validValue) throw invalidCursor();
  return parsed;
}

/**
 * Keyset pagination, newest first, on (`sortColumn`, `id`). Stable under concurrent inserts, unlike
 * OFFSET, and an index on (tenant_id, sortColumn DESC, id DESC) keeps every page equally cheap.
 */
export function paginate<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  page: PageQuery,
  options: { alias: string; sortColumn: string; sortProperty: keyof T & string },
): Promise<Page<T>> {
  const sort = `${options.alias}.${options.sortColumn}`;
  return keysetPage(
    page,
    (after, take) => {
      if (after) query.andWhere(`(${sort}, ${options.alias}.id) < (:cursorValue, :cursorId)`, { cursorValue: after.v, cursorId: after.id });
      return query.orderBy(sort, 'DESC').addOrderBy(`${options.alias}.id`, 'DESC').limit(take).getMany();
    },
    (rows) => rows,
    (row) => row[options.sortProperty] as unknown,
  );
}

/**
 * `paginate` over plain SQL, for hot lists where building the query with TypeORM and hydrating entities
 * cost more than running it. `where` refers to `params` as $1…; the keyset condition, order and limit are
 * appended here, so the same cursors work. The page's rows become its items in one step (`items`, which may read
 * more, and may leave out a row gone since it was found); the cursor is the last item's `sortProperty`, so the
 * page query need not read the sort value of every row when `items` has it anyway.
 */
export function paginateSql<Row, T extends { id: string }>(
  run: (sql: string, params: unknown[]) => Promise<Row[]>,
  page: PageQuery,
  query: {
    select: string;
    from: string;
    where: string[];
    params: unknown[];
    /** the sort and id columns as SQL, e.g. `o.ordered_at`, `o.id` */
    sortColumn: string;
    idColumn: string;
    items: (rows: Row[]) => T[] | Promise<T[]>;
    sortProperty: keyof T & string;
  },
): Promise<Page<T>> {
  return keysetPage(
    page,
    (after, take) => {
      const where = [...query.where];
      const params = [...query.params];
      if (after) {
        params.push(after.v, after.id);
        where.push(`(${query.sortColumn}, ${query.idColumn}) < ($${params.length - 1}, $${params.length})`);
      }
      params.push(take);
      return run(
        `SELECT ${query.select} FROM ${query.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
          ` ORDER BY ${query.sortColumn} DESC, ${query.idColumn} DESC LIMIT $${params.length}`,
        params,
      );
    },
    query.items,
    (item) => item[query.sortProperty] as unknown,
  );
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const PAGE_START = Buffer.from('{"data":[');
const COMMA = Buffer.from(',');

/**
 * A page whose items are already JSON (UTF-8), as the response body: the same `{ data, nextCursor }` a returned
 * `Page` becomes, in one copy, without parsing, re-serializing or re-encoding the items.
 */
export function pageJson(page: Page<{ json: Buffer }>): Buffer {
  const parts: Buffer[] = [PAGE_START];
  page.data.forEach((item, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(item.json);
  });
  parts.push(Buffer.from(`],"nextCursor":${JSON.stringify(page.nextCursor)}}`));
  return Buffer.concat(parts);
}

async function keysetPage<Row, T extends { id: string }>(
  page: PageQuery,
  fetch: (after: CursorPosition | null, take: number) => Promise<Row[]>,
  toItems: (rows: Row[]) => T[] | Promise<T[]>,
  sortValue: (item: T) => unknown,
): Promise<Page<T>> {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  // A row can be gone by the time `toItems` reads it. The cursor comes from the last item there is: the rows after
  // it that vanished are not skipped, there is nothing left of them. A page whose every row vanished is asked again.
  for (let attempt = 1; ; attempt++) {
    let rows: Row[];
    try {
      rows = await fetch(after, limit + 1);
    } catch (error) {
      if (after && isDataException(error)) throw invalidCursor();
      throw error;
    }
    const data = await toItems(rows.slice(0, limit));
    const hasMore = rows.length > limit;
    if (hasMore && data.length === 0 && attempt < 3) continue;
    const last = data[data.length - 1];
    let nextCursor: string | null = null;
    if (hasMore && last) {
      const value = sortValue(last);
      nextCursor = encodeCursor({ v: value instanceof Date ? value.toISOString() : (value as string | number), id: last.id });
    }
    return { data, nextCursor };
  }
}

/** Documents a `{ data: Item[], nextCursor }` response in OpenAPI. */
export function ApiPageResponse(item: ClassType<unknown>, description?: string) {
  return applyDecorators(
    ApiExtraModels(PageEnvelope, item),
    ApiOkResponse({
      description,
      schema: {
        allOf: [
          { $ref: getSchemaPath(PageEnvelope) },
          { properties: { data: { type: 'array', items: { $ref: getSchemaPath(item) } } }, required: ['data'] },
        ],
      },
    }),
  );
}

export class PageEnvelope {
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` to get the next page; null on the last page.' })
  nextCursor: string | null;
}
