import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Role } from '../../src/auth/roles';

/** A person created through the API, with the password they sign in with. */
export interface Person {
  id: string;
  email: string;
  password: string;
  role: Role;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** `target` is an app URL or an http.Server (what supertest accepts). */
type Target = Parameters<typeof request>[0];

/** An owner (or an API key) adds a person with `role`; the e-mail is unique per call unless given. */
export async function addPerson(
  target: Target,
  ownerCredential: string,
  role: Role,
  email = `${role}-${randomUUID()}@example.jp`,
): Promise<Person> {
  const password = `pw-${randomUUID()}`;
  const response = await request(target)
    .post('/v1/users')
    .set(bearer(ownerCredential))
    .send({ email, name: `The ${role}`, role, password });
  if (response.status !== 201) throw new Error(`adding a ${role} failed: ${response.status} ${response.text}`);
  return { id: response.body.id, email: response.body.email, password, role };
}

export function signInRequest(target: Target, email: string, password: string, extra: Record<string, unknown> = {}) {
  return request(target)
    .post('/v1/auth/sign-in')
    .send({ email, password, ...extra });
}

/** Signs in and returns the session token. */
export async function signIn(target: Target, person: Pick<Person, 'email' | 'password'>): Promise<string> {
  const response = await signInRequest(target, person.email, person.password);
  if (response.status !== 200) throw new Error(`sign-in of ${person.email} failed: ${response.status} ${response.text}`);
  return response.body.token as string;
}

/** The tenant's first owner (created with its API key), an operator and a viewer (created by that owner), each signed in. */
export async function staffOf(target: Target, apiKey: string): Promise<Record<Role, Person & { token: string }>> {
  const owner = await addPerson(target, apiKey, 'owner');
  const ownerToken = await signIn(target, owner);
  const operator = await addPerson(target, ownerToken, 'operator');
  const viewer = await addPerson(target, ownerToken, 'viewer');
  return {
    owner: { ...owner, token: ownerToken },
    operator: { ...operator, token: await signIn(target, operator) },
    viewer: { ...viewer, token: await signIn(target, viewer) },
  };
}
