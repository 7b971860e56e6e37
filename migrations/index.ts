/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works compiled and
 * under the test transpiler. `npm run migration:create -- name` adds a file and a line here.
 */
import { Foundation1763856000000 } from './1763856000000-foundation';
import { Connections1763856100000 } from './1763856100000-connections';
import { Orders1763856200000 } from './1763856200000-orders';
import { SkuCatalog1763856300000 } from './1763856300000-sku-catalog';

export const migrations = [Foundation1763856000000, Connections1763856100000, Orders1763856200000, SkuCatalog1763856300000];
