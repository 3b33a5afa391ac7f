import { CliError, describeError, errorCodeOf, EXIT, type Api } from './api.js';

interface KeyRecord {
  id: number;
  name: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function createKey(api: Api, name: string, role: string) {
  const { status, data } = await api.request<KeyRecord & { key: string }>('POST', '/keys', {
    json: { name, role },
  });
  if (status !== 201)
    throw new CliError(
      describeError(data, status),
      status === 400 ? EXIT.usage : EXIT.failed,
      errorCodeOf(data),
    );
  return data;
}

export async function listKeys(api: Api): Promise<KeyRecord[]> {
  const { status, data } = await api.request<{ keys: KeyRecord[] }>('GET', '/keys');
  if (status !== 200)
    throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
  return data.keys;
}

export async function revokeKey(api: Api, name: string): Promise<void> {
  const { status, data } = await api.request('DELETE', `/keys/${encodeURIComponent(name)}`);
  if (status !== 204)
    throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
}

/** A person by id, or by name (exact, ignoring case, as the database compares names). */
export async function resolvePerson(
  api: Api,
  person: string,
): Promise<{ id: number; name: string }> {
  const { status, data } = await api.request<{ people: Array<{ id: number; name: string }> }>(
    'GET',
    '/people',
  );
  if (status !== 200)
    throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
  const byId = /^\d+$/.test(person) ? data.people.find((p) => p.id === Number(person)) : undefined;
  const found =
    byId ?? data.people.find((p) => p.name.toLowerCase() === person.trim().toLowerCase());
  if (!found) throw new CliError(`nobody called "${person}" is known (see \`facetrail people\`)`);
  return found;
}

export async function forgetPerson(api: Api, id: number): Promise<void> {
  const { status, data } = await api.request('DELETE', `/people/${id}`);
  if (status !== 204)
    throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
}

export async function deleteImage(api: Api, id: number): Promise<void> {
  const { status, data } = await api.request('DELETE', `/images/${id}`);
  if (status === 404) throw new CliError(`no image with id ${id}`);
  if (status !== 204)
    throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
}
