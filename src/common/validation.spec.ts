import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Matches, ValidateNested } from 'class-validator';
import { createValidationPipe, IsoDateTime, NestedObject, Optional } from './validation';
import { ValidationProblem } from './problem';

class Line {
  @IsInt()
  quantity: number;
}
class Options {
  @IsBoolean()
  autoStockSync: boolean;
}
class Body {
  @IsString()
  name: string;
  @ValidateNested()
  @Type(() => Options)
  options: Options;
  @ValidateNested({ each: true })
  @Type(() => Line)
  lines: Line[];
}

describe('validation pipe', () => {
  it('reports nested and array fields by path, and unknown properties', async () => {
    const pipe = createValidationPipe();
    const error = await pipe
      .transform(
        { name: 1, options: { autoStockSync: 'yes' }, lines: [{ quantity: 1 }, { quantity: 'x' }], extra: 1 },
        { type: 'body', metatype: Body },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationProblem);
    const fields = (error as ValidationProblem).fieldErrors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'options.autoStockSync', 'lines[1].quantity', 'extra']));
    expect(fields).not.toContain('lines[0].quantity');
  });

  async function fieldsOf(
    value: unknown,
    metadata: Parameters<ReturnType<typeof createValidationPipe>['transform']>[1],
  ): Promise<string[]> {
    const error = await createValidationPipe()
      .transform(value, metadata)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ValidationProblem);
    return (error as ValidationProblem).fieldErrors.map((e) => e.field);
  }

  class Order {
    @NestedObject(() => Options)
    recipient: Options;
    @Optional()
    @NestedObject(() => Options)
    buyer?: Options;
    @IsoDateTime()
    orderedAt: Date;
  }

  it('refuses NUL characters anywhere (PostgreSQL text cannot hold them): body, query and path', async () => {
    expect(await fieldsOf({ name: 'a\u0000b', options: { autoStockSync: true }, lines: [] }, { type: 'body', metatype: Body })).toEqual([
      'name',
    ]);
    expect(await fieldsOf({ q: ['ok', 'x\u0000'] }, { type: 'query', metatype: Object })).toEqual(['q[1]']);
    expect(await fieldsOf('id\u0000', { type: 'param', metatype: String, data: 'id' })).toEqual(['id']);
  });

  it('refuses __proto__ and constructor keys, which class-transformer would drop silently', async () => {
    const body = JSON.parse('{"name":"x","options":{"autoStockSync":true},"lines":[],"__proto__":{"polluted":true}}');
    expect(await fieldsOf(body, { type: 'body', metatype: Body })).toEqual(['__proto__']);
    expect(await fieldsOf({ name: 'x', options: { constructor: {} }, lines: [] }, { type: 'body', metatype: Body })).toEqual([
      'options.constructor',
    ]);
  });

  it('refuses a body that is not a JSON object (an array would validate as nothing)', async () => {
    expect(await fieldsOf([{ name: 'x' }], { type: 'body', metatype: Body })).toEqual(['body']);
  });

  it('NestedObject refuses a missing object and an array in its place', async () => {
    const fields = await fieldsOf({ recipient: [], buyer: [{}], orderedAt: '2026-01-01T00:00:00Z' }, { type: 'body', metatype: Order });
    expect(fields).toEqual(expect.arrayContaining(['recipient', 'buyer']));
    expect(await fieldsOf({ orderedAt: '2026-01-01T00:00:00Z' }, { type: 'body', metatype: Order })).toContain('recipient');
  });

  it('IsoDateTime takes ISO 8601 strings only: not numbers or booleans (which @Type(() => Date) made 1970 dates)', async () => {
    for (const orderedAt of [12345, true, 'yesterday', '2024-13-45T99:99:99Z', '12345']) {
      expect(await fieldsOf({ recipient: { autoStockSync: true }, orderedAt }, { type: 'body', metatype: Order })).toEqual(['orderedAt']);
    }
    const ok = (await createValidationPipe().transform(
      { recipient: { autoStockSync: true }, orderedAt: '2026-01-15T10:00:00+09:00' },
      { type: 'body', metatype: Order },
    )) as Order;
    expect(ok.orderedAt.toISOString()).toBe('2026-01-15T01:00:00.000Z');
  });

  class Patch {
    @Optional()
    @IsString()
    name?: string;

    /** null clears it */
    @Optional({ nullable: true })
    @Matches(/^[0-9]{8}$/)
    jan?: string | null;
  }

  it('Optional skips an absent field but validates null, naming the field; `nullable` lets a documented null through', async () => {
    const pipe = createValidationPipe();
    await expect(pipe.transform({}, { type: 'body', metatype: Patch })).resolves.toBeInstanceOf(Patch);
    expect(await fieldsOf({ name: null }, { type: 'body', metatype: Patch })).toEqual(['name']);
    await expect(pipe.transform({ jan: null }, { type: 'body', metatype: Patch })).resolves.toEqual(
      Object.assign(new Patch(), { jan: null }),
    );
    expect(await fieldsOf({ jan: 'x' }, { type: 'body', metatype: Patch })).toEqual(['jan']);
  });

  describe('a query string that passed is remembered', () => {
    let transforms = 0;
    class ListQuery {
      @Optional()
      @Transform(({ value }: { value: unknown }) => {
        transforms++;
        return value;
      })
      @IsIn(['new', 'shipped'])
      status?: string;
      @Optional()
      @IsoDateTime()
      orderedFrom?: Date;
      @Optional()
      @IsString({ each: true })
      tags?: string[];
    }
    const query = { status: 'new', orderedFrom: '2026-01-02T03:04:05Z', tags: ['a', 'b'] };

    it('the same query gives the same DTO without transforming it again, and each request its own copy', async () => {
      const pipe = createValidationPipe();
      transforms = 0;
      const first = (await pipe.transform({ ...query, tags: [...query.tags] }, { type: 'query', metatype: ListQuery })) as ListQuery;
      first.orderedFrom!.setUTCFullYear(1999);
      first.tags!.push('changed by a handler');
      const second = (await pipe.transform({ ...query, tags: [...query.tags] }, { type: 'query', metatype: ListQuery })) as ListQuery;
      expect(transforms).toBe(1);
      expect(second).toBeInstanceOf(ListQuery);
      expect(second).toEqual(
        Object.assign(new ListQuery(), { status: 'new', orderedFrom: new Date('2026-01-02T03:04:05Z'), tags: ['a', 'b'] }),
      );
      const other = (await pipe.transform({ status: 'shipped' }, { type: 'query', metatype: ListQuery })) as ListQuery;
      expect(other.status).toBe('shipped');
      expect(transforms).toBe(2);
    });

    it('a refused query is refused every time, with its fields; screening runs first, every time', async () => {
      const pipe = createValidationPipe();
      for (let attempt = 0; attempt < 2; attempt++) {
        const error = await pipe.transform({ status: 'lost', extra: '1' }, { type: 'query', metatype: ListQuery }).catch((e: unknown) => e);
        expect((error as ValidationProblem).fieldErrors.map((e) => e.field).sort()).toEqual(['extra', 'status']);
      }
      await pipe.transform({ status: 'new' }, { type: 'query', metatype: ListQuery });
      const screened = await pipe.transform({ status: 'new\u0000' }, { type: 'query', metatype: ListQuery }).catch((e: unknown) => e);
      expect((screened as ValidationProblem).fieldErrors.map((e) => e.field)).toEqual(['status']);
    });
  });
});
