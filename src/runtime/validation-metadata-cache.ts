import { getMetadataStorage } from 'class-validator';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type TargetMetadatas = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;
type GroupedMetadatas = ReturnType<MetadataStorage['groupByPropertyName']>;

/**
 * Remembers which validation rules apply to a DTO class, instead of class-validator working them out again on
 * every validation.
 *
 * `getTargetValidationMetadatas` walks the rules of every decorated class of the app on each call, to find a
 * DTO's inherited ones (typestack/class-validator#2686, open), and `groupByPropertyName` then regroups them:
 * together about 15 µs of each `GET /v1/orders` (its query DTO extends `PageQuery`), in bench:api's CPU profile.
 * A class's rules and its ancestors' are all registered when the classes are defined, before any can be
 * validated, so the answer for the same arguments does not change; even so, a rule registered later (a class
 * defined after the app started, as tests do) empties the cache. twentyhq/twenty#24085 does the same.
 *
 * The arrays and objects handed out are class-validator's own results, shared now; it only reads them
 * (`ValidationExecutor`), and so does this app.
 */
export function installValidationMetadataCache(storage: MetadataStorage = getMetadataStorage()): void {
  const patched = storage as MetadataStorage & { [INSTALLED]?: true };
  if (patched[INSTALLED]) return;
  const findTargetMetadatas = storage.getTargetValidationMetadatas.bind(storage);
  const groupByPropertyName = storage.groupByPropertyName.bind(storage);
  const addValidationMetadata = storage.addValidationMetadata.bind(storage);
  let byTarget = new WeakMap<object, Map<string, TargetMetadatas>>();
  let grouped = new WeakMap<TargetMetadatas, GroupedMetadatas>();

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups === undefined ? '-' : JSON.stringify(groups)}`;
    let forTarget = byTarget.get(target);
    if (forTarget === undefined) byTarget.set(target, (forTarget = new Map()));
    let metadatas = forTarget.get(key);
    if (metadatas === undefined) forTarget.set(key, (metadatas = findTargetMetadatas(target, schema, always, strictGroups, groups)));
    return metadatas;
  };
  storage.groupByPropertyName = (metadatas) => {
    let result = grouped.get(metadatas);
    if (result === undefined) grouped.set(metadatas, (result = groupByPropertyName(metadatas)));
    return result;
  };
  storage.addValidationMetadata = (metadata) => {
    byTarget = new WeakMap();
    grouped = new WeakMap();
    addValidationMetadata(metadata);
  };
  Object.defineProperty(storage, INSTALLED, { value: true });
}

const INSTALLED = Symbol.for('mallbridge.validationMetadataCache');
