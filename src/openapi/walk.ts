import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

export type { OperationObject };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Calls `visit` for every operation of the document. */
export function forEachOperation(document: OpenAPIObject, visit: (operation: OperationObject, method: string, path: string) => void): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) visit(operation, method, path);
    }
  }
}

/** Calls `visit` for every object node under `node` (schemas, their properties, items…), depth first. */
export function forEachNode(node: unknown, visit: (value: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) forEachNode(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  visit(node as Record<string, unknown>);
  for (const value of Object.values(node)) forEachNode(value, visit);
}

/** Public operations say `security: [{}]` (see `@Public()`). */
export function isPublic(operation: OperationObject): boolean {
  return Array.isArray(operation.security) && operation.security.every((requirement) => Object.keys(requirement).length === 0);
}

export function usesScheme(operation: OperationObject, scheme: string): boolean {
  return Array.isArray(operation.security) && operation.security.some((requirement) => scheme in requirement);
}
