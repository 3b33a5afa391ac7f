// knative/sql/zz_users.sh, run the way MySQL's entrypoint runs it: sourced by bash under
// `set -eo pipefail`, with docker_process_sql defined. Here docker_process_sql prints the
// statements instead of sending them to a server, so the tests can read and replay them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { INIT_DIR, USERS_FILE } from '../mysql-init.js';

export const USERS_SCRIPT = path.join(INIT_DIR, USERS_FILE);

/** The components that hold a database URL, each with a MySQL user of its own. */
export const DB_COMPONENTS = [
  'receiver',
  'processor',
  'frontend',
  'redeemer',
  'recognizer',
] as const;
export type DbComponent = (typeof DB_COMPONENTS)[number];

export const dbUserOf = (component: string) => `facetrail_${component}`;
export const passwordVariableOf = (component: string) =>
  `FACETRAIL_${component.toUpperCase()}_DB_PASSWORD`;

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Sources the script as the entrypoint does, with only `env` (and PATH) in its environment.
 * `entrypoint: false` runs it by hand instead (`bash zz_users.sh`, no docker_process_sql).
 */
export function runUsersScript(
  env: Record<string, string>,
  { entrypoint = true, path: searchPath = process.env.PATH ?? '' } = {},
): ScriptRun {
  const args = entrypoint
    ? ['-c', 'set -eo pipefail; docker_process_sql() { cat; }; . "$0"', USERS_SCRIPT]
    : [USERS_SCRIPT];
  const run = spawnSync('bash', args, {
    env: { PATH: searchPath, ...env },
    encoding: 'utf8',
    // Not a socket: bash -c with a socket on stdin reads ~/.bashrc (as under rshd).
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Distinct, acceptable passwords for every component, keyed by variable. */
export function passwordsFor(seed: string): Record<string, string> {
  return Object.fromEntries(
    DB_COMPONENTS.map((component) => [
      passwordVariableOf(component),
      `${component}-${seed}-0123456789abcdef`,
    ]),
  );
}

export interface ScriptUsers {
  /** user -> the password it is created (and altered) with. */
  passwords: Map<string, string>;
  /** user -> table -> privileges, e.g. ["SELECT", "UPDATE (last_used_at)"]. */
  grants: Map<string, Map<string, string[]>>;
  /** The database every grant names. */
  databases: Set<string>;
  /** The statements, in order. */
  statements: string[];
}

/** Splits "SELECT, INSERT, UPDATE (a, b)" at the commas outside parentheses. */
function privilegeList(text: string): string[] {
  const list: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      list.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) list.push(current.trim());
  return list;
}

/** Reads the users, passwords and grants out of the statements the script printed. */
export function parseUsersSql(sql: string): ScriptUsers {
  const statements = sql
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter(Boolean);
  const passwords = new Map<string, string>();
  const grants = new Map<string, Map<string, string[]>>();
  const databases = new Set<string>();
  for (const statement of statements) {
    const create = /^CREATE USER IF NOT EXISTS '([^']+)'@'%' IDENTIFIED BY '([^']*)'$/.exec(
      statement,
    );
    const alter = /^ALTER USER '([^']+)'@'%' IDENTIFIED BY '([^']*)'$/.exec(statement);
    const grant = /^GRANT (.+) ON `([^`]+)`\.(\w+) TO '([^']+)'@'%'$/.exec(statement);
    if (create) {
      passwords.set(create[1]!, create[2]!);
    } else if (alter) {
      if (passwords.get(alter[1]!) !== alter[2])
        throw new Error(`ALTER USER ${alter[1]} with another password than CREATE USER`);
    } else if (grant) {
      const [, privileges, database, table, user] = grant;
      databases.add(database!);
      const tables = grants.get(user!) ?? new Map<string, string[]>();
      tables.set(table!, [...(tables.get(table!) ?? []), ...privilegeList(privileges!)]);
      grants.set(user!, tables);
    } else {
      throw new Error(`zz_users.sh printed a statement the tests do not know: ${statement}`);
    }
  }
  return { passwords, grants, databases, statements };
}

/** user -> the MySQL container variable its password comes from, as the script uses them. */
export function passwordVariables(): Map<string, string> {
  const passwords = passwordsFor('probe');
  const run = runUsersScript({ MYSQL_DATABASE: 'facetrail', ...passwords });
  if (run.status !== 0) throw new Error(`zz_users.sh failed: ${run.stderr}`);
  const byValue = new Map(Object.entries(passwords).map(([name, value]) => [value, name]));
  return new Map(
    [...parseUsersSql(run.stdout).passwords].map(([user, password]) => [
      user,
      byValue.get(password) ?? `<no variable gives ${user} its password>`,
    ]),
  );
}
