import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';

/**
 * What a caller may do in its tenant (DESIGN §8): `viewer` reads; `operator` also works orders, fulfillment,
 * mappings and stock; `owner` also manages people, API keys, connections and their credentials. An API key
 * acts as its tenant's owner: it is a server's credential, created by an owner.
 */
export const ROLES = ['viewer', 'operator', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const REQUIRED_ROLE = 'mallbridge:requiredRole';

/** True when `held` is at least `needed` (owner ⊃ operator ⊃ viewer). */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/**
 * The least role a route needs. Every route that authenticates with a bearer credential declares one; the
 * {@link RolesGuard} refuses a route that does not, so a forgotten declaration fails closed. The OpenAPI
 * document carries it as `x-required-role` and a 403 response.
 */
export const RequireRole = (role: Role) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiExtension('x-required-role', role),
    ApiForbiddenResponse({ description: `The caller's role is below \`${role}\`.` }),
  );
