import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation';
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
      .transform({ name: 1, options: { autoStockSync: 'yes' }, lines: [{ quantity: 1 }, { quantity: 'x' }], extra: 1 }, { type: 'body', metatype: Body })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationProblem);
    const fields = (error as ValidationProblem).fieldErrors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'options.autoStockSync', 'lines[1].quantity', 'extra']));
    expect(fields).not.toContain('lines[0].quantity');
  });
});
