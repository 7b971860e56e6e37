import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Matches, ValidateNested } from 'class-validator';
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
});
