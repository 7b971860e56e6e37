import { withinProducts } from './stock-bridge.service';

const change = (id: number, productId: string, storeId = '1') => ({ id: String(id), productId, storeId });

describe('withinProducts: the changes one fold takes on', () => {
  it('takes every change of the first products in arrival order, and none of the rest', () => {
    const events = [change(1, 'A'), change(2, 'B'), change(3, 'A'), change(4, 'C'), change(5, 'B'), change(6, 'C'), change(7, 'D')];
    const taken = withinProducts(events, () => true, 2);
    expect(taken.map((event) => event.id)).toEqual(['1', '2', '3', '5']);
  });

  it('counts a product per store, and takes changes that do not travel without counting them', () => {
    const events = [change(1, 'A', '1'), change(2, 'A', '2'), change(3, 'B', '9'), change(4, 'A', '1'), change(5, 'C', '1')];
    const taken = withinProducts(events, (event) => event.storeId !== '9', 2);
    expect(taken.map((event) => event.id)).toEqual(['1', '2', '3', '4']);
  });

  it('takes all when the products fit', () => {
    const events = [change(1, 'A'), change(2, 'B')];
    expect(withinProducts(events, () => true, 2)).toEqual(events);
  });
});
