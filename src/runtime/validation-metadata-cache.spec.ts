import { IsInt, IsString, Min, getMetadataStorage, validateSync } from 'class-validator';
import { installValidationMetadataCache } from './validation-metadata-cache';

class Paged {
  @IsInt()
  @Min(1)
  limit?: number;
}

class Listing extends Paged {
  @IsString()
  status?: string;

  @IsInt({ groups: ['admin'] })
  owner?: unknown;
}

const messages = (object: object, groups?: string[]) =>
  validateSync(object, { groups, forbidUnknownValues: true })
    .map(
      (error) =>
        `${error.property}: ${Object.keys(error.constraints ?? {})
          .sort()
          .join(',')}`,
    )
    .sort();

describe('installValidationMetadataCache', () => {
  const storage = getMetadataStorage();
  const uncached = {
    targets: storage.getTargetValidationMetadatas.bind(storage),
  };

  beforeAll(() => installValidationMetadataCache());

  it('gives the rules class-validator gives, inherited ones and groups included', () => {
    for (const [always, strictGroups, groups] of [
      [false, false, undefined],
      [false, false, ['admin']],
      [true, true, []],
    ] as const) {
      const cached = storage.getTargetValidationMetadatas(Listing, '', always, strictGroups, groups as string[] | undefined);
      expect(cached).toBe(storage.getTargetValidationMetadatas(Listing, '', always, strictGroups, groups as string[] | undefined));
      expect(new Set(cached)).toEqual(new Set(uncached.targets(Listing, '', always, strictGroups, groups as string[] | undefined)));
    }
    expect(messages(Object.assign(new Listing(), { limit: 0, status: 3, owner: 'x' }))).toEqual([
      'limit: min',
      'owner: isInt',
      'status: isString',
    ]);
    expect(messages(Object.assign(new Listing(), { limit: 0, status: 3, owner: 'x' }), ['admin'])).toEqual(['owner: isInt']);
    expect(messages(Object.assign(new Paged(), { limit: 2 }))).toEqual([]);
  });

  it('sees a rule registered after a class was validated (a class defined while the app runs)', () => {
    class Late {
      @IsString()
      name?: unknown;
      code?: unknown;
    }
    expect(messages(Object.assign(new Late(), { name: 'a', code: 'x' }))).toEqual([]);
    IsInt()(Late.prototype, 'code');
    expect(messages(Object.assign(new Late(), { name: 'a', code: 'x' }))).toEqual(['code: isInt']);
  });

  it('installs once', () => {
    const installed = storage.getTargetValidationMetadatas;
    installValidationMetadataCache();
    expect(storage.getTargetValidationMetadatas).toBe(installed);
  });
});
