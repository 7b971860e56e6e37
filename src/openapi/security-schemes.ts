/** Tenants' callers: an API key or a signed-in person's session token (the document's default requirement). */
export const BEARER_SCHEME = 'bearer';

/** Operator routes (`POST /v1/tenants`) take `ADMIN_API_KEY`, not a tenant's credential: `@ApiSecurity(ADMIN_KEY_SCHEME)`. */
export const ADMIN_KEY_SCHEME = 'adminKey';
