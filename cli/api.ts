import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Exit codes, documented in `facetrail --help`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, unauthorized: 4 } as const;

/** An error the CLI reports in one line and exits with. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    /** The server's error code (lib/errors.ts), when the server gave one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  url: string;
  token?: string | undefined;
  timeoutMs?: number;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

/** The admin token: --token, FACETRAIL_TOKEN, or the one `facetrail start` keeps in DATA_DIR. */
export function resolveToken(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): string | undefined {
  if (explicit) return explicit;
  if (env.FACETRAIL_TOKEN) return env.FACETRAIL_TOKEN;
  const file = path.resolve(cwd, env.DATA_DIR ?? './data', 'admin-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** A thin client of facetrail's HTTP API (the receiver), with errors a person can act on. */
export function createApi(options: ApiOptions) {
  const base = options.url.replace(/\/+$/, '');
  async function request<T>(
    method: string,
    route: string,
    init: {
      json?: unknown;
      body?: Buffer;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    let body: string | Buffer | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body) {
      headers['content-type'] = init.contentType ?? 'application/octet-stream';
      body = init.body;
    }
    // Every route but health needs a key (README "Privacy and access").
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await fetch(`${base}${route}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach facetrail at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}): start it with \`npx facetrail start\`, or point --url / FACETRAIL_URL at a running receiver`,
        EXIT.unreachable,
      );
    }
    const text = await response.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const reason = (data as ApiErrorBody)?.error?.message;
    // Decided by the catalogue's code (lib/errors.ts); the HTTP status only when a proxy in
    // between answered without one.
    const code = errorCodeOf(data);
    if (code === 'UNAUTHORIZED' || (code === undefined && response.status === 401)) {
      throw new CliError(
        options.token
          ? `the server refused the key (${reason ?? 'unauthorized'}); pass a valid one with --token or FACETRAIL_TOKEN`
          : 'this command needs a key: pass --token or set FACETRAIL_TOKEN (`facetrail start` keeps the admin token in data/admin-token)',
        EXIT.unauthorized,
        'UNAUTHORIZED',
      );
    }
    if (code === 'FORBIDDEN' || (code === undefined && response.status === 403)) {
      throw new CliError(
        `the key may not do this (${reason ?? 'forbidden'}); use a key with the right role`,
        EXIT.unauthorized,
        'FORBIDDEN',
      );
    }
    return { status: response.status, data: data as T };
  }
  return { base, request };
}

export type Api = ReturnType<typeof createApi>;

/** The server's error code (lib/errors.ts), if the answer carries one. */
export function errorCodeOf(data: unknown): string | undefined {
  return (data as ApiErrorBody | undefined)?.error?.code;
}

/** The server's error as one line: "CODE: message". */
export function describeError(data: unknown, status: number): string {
  const error = (data as ApiErrorBody | undefined)?.error;
  return error?.code ? `${error.code}: ${error.message ?? ''}`.trim() : `HTTP ${status}`;
}
