import { ROLES, roleAllows } from './roles';

describe('role rank', () => {
  it('lets each role do what it and every lesser role may, and nothing above', () => {
    const table = ROLES.map((held) => ROLES.filter((needed) => roleAllows(held, needed)));
    expect(table).toEqual([['viewer'], ['viewer', 'operator'], ['viewer', 'operator', 'owner']]);
  });
});
