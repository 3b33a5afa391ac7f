import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { findUp } from '../lib/find-up.js';
import { CliError, createApi, describeError, errorCodeOf, EXIT, resolveToken } from './api.js';
import { enrollFolder, formatEnrollSummary } from './enroll.js';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from './dead-letters.js';
import { table } from './output.js';
import {
  createKey,
  deleteImage,
  forgetPerson,
  listKeys,
  resolvePerson,
  revokeKey,
} from './privacy.js';
import {
  resultColumns,
  resultRow,
  submitPaths,
  uploadPhotos,
  waitForResults,
  type ImageRecord,
} from './submit.js';
import type { Box } from '../lib/box.js';

interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const err = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

/** facetrail's version, from its package.json. */
export function facetrailVersion(): string {
  const file = findUp('package.json', path.dirname(fileURLToPath(import.meta.url)));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Whether the command line asks for machine-readable output (errors included). */
const jsonRequested = (argv: string[]) =>
  argv.includes('--json') || process.env.FACETRAIL_JSON === '1';

function positiveInt(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new CliError(`${name} must be a positive integer, not "${value}"`, EXIT.usage);
  return number;
}

export function buildProgram(options: { json?: boolean } = {}): Command {
  const program = new Command('facetrail')
    .version(facetrailVersion(), '-V, --version', "print facetrail's version")
    .description(
      'Who was seen at the doors: run facetrail, enroll known people, submit photos, read the results.',
    )
    .addOption(
      new Option('--url <url>', "the receiver's URL")
        .env('FACETRAIL_URL')
        .default('http://127.0.0.1:8080'),
    )
    .addOption(
      new Option(
        '--token <key>',
        'the API key to use (default: the admin token in data/admin-token when present)',
      ).env('FACETRAIL_TOKEN'),
    )
    .option('--json', 'machine-readable output, errors included')
    // With --json, main() prints usage errors as JSON instead.
    .configureOutput({
      outputError: (text, write) => {
        if (!options.json) write(text);
      },
    })
    // Throw instead of exiting, in every subcommand too: main() maps errors to exit codes.
    .exitOverride()
    .showHelpAfterError(options.json ? false : '(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 some work failed, 2 bad arguments, 3 server unreachable, 4 key refused or not allowed.

Examples:
  npx facetrail start
  npx facetrail enroll examples/known
  npx facetrail submit --wait examples/doors
  FACETRAIL_URL=https://receiver.facetrail.example.com npx facetrail people --json`,
    );

  const api = () => {
    const options = program.opts<GlobalOptions>();
    return createApi({ url: options.url, token: resolveToken(options.token, process.env) });
  };
  const json = () => Boolean(program.opts<GlobalOptions>().json);

  program
    .command('start')
    .description(
      'run every component on this machine (what `npm start` runs); SQLite and an embedded queue unless DATABASE_URL and the NSQ addresses are set',
    )
    .action(async () => {
      const { runStart } = await import('../standalone/start.js');
      await runStart(process.env);
      keepRunning = true;
    });

  program
    .command('migrate')
    .description(
      'apply the database migrations to DATABASE_URL (default: SQLite in DATA_DIR); safe to run twice',
    )
    .action(async () => {
      const { runMigrations } = await import('../scripts/migrate.js');
      const applied = await runMigrations(process.env);
      out(
        json()
          ? JSON.stringify({ applied })
          : applied.length > 0
            ? `applied ${applied.join(', ')}`
            : 'database is up to date',
      );
    });

  program
    .command('enroll')
    .description(
      'enroll the known people of a folder: <Person Name>/*.jpg, or seed-style files like hannibal_1.jpg',
    )
    .argument('<dir>', 'the folder of known people')
    .action(async (dir: string) => {
      const summary = await enrollFolder(api(), dir);
      out(json() ? JSON.stringify(summary, null, 2) : formatEnrollSummary(summary));
      if (summary.failed.length > 0) process.exitCode = EXIT.failed;
    });

  program
    .command('submit')
    .description('submit photos (files or folders) for recognition')
    .argument('<paths...>', 'photo files or folders of photos')
    .option('--wait', 'wait for each result and print it as it arrives')
    .option(
      '--by-path',
      "send the paths themselves (relative to the server's IMAGES_ROOT) instead of uploading the files",
    )
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .action(
      async (paths: string[], options: { wait?: boolean; byPath?: boolean; timeout: string }) => {
        const timeoutMs = positiveInt(options.timeout, '--timeout') * 1000;
        const client = api();
        const submitted = options.byPath
          ? await submitPaths(client, paths)
          : await uploadPhotos(client, paths);
        const refused = submitted.filter((item) => item.error);
        for (const item of refused) err(`refused ${item.input}: ${item.error}`);
        if (!options.wait) {
          out(
            json()
              ? JSON.stringify({ images: submitted }, null, 2)
              : `submitted ${submitted.length - refused.length} photo(s)${refused.length ? `, ${refused.length} refused` : ''}`,
          );
        } else {
          if (!json()) out(resultColumns.header());
          const results = await waitForResults(
            client,
            submitted,
            (item, record) => {
              if (!json()) out(resultRow(item, record));
            },
            { timeoutMs },
          );
          if (json()) out(JSON.stringify({ images: [...results.values()], refused }, null, 2));
          if ([...results.values()].some((record) => record.status === 'FAILED'))
            process.exitCode = EXIT.failed;
        }
        if (refused.length > 0) process.exitCode = EXIT.failed;
      },
    );

  program
    .command('status')
    .description('one image in detail, or the latest images')
    .argument('[id]', 'an image id')
    .option('--limit <n>', 'how many of the latest images', '20')
    .option('--status <status>', 'only PENDING, PROCESSING, PROCESSED or FAILED images')
    .action(async (id: string | undefined, options: { limit: string; status?: string }) => {
      const client = api();
      if (id !== undefined) {
        const imageId = positiveInt(id, 'id');
        const { status, data } = await client.request<
          ImageRecord & { attempts: number; createdAt: string; processedAt: string | null }
        >('GET', `/images/${imageId}`);
        if (status === 404)
          throw new CliError(`no image with id ${imageId}`, EXIT.failed, 'NOT_FOUND');
        if (status !== 200)
          throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
        if (json()) return out(JSON.stringify(data, null, 2));
        out(
          `image ${data.id}  ${data.path}\nstatus ${data.status}${data.error ? ` (${data.error.code}: ${data.error.message})` : ''}, attempts ${data.attempts}\nreceived ${data.createdAt}${data.processedAt ? `, processed ${data.processedAt}` : ''}`,
        );
        const faces = data.faces as Array<{
          box: Box;
          score: number;
          person: { name: string } | null;
          distance: number | null;
          quality: { size: number; sharpness: number; yaw: number; roll: number } | null;
          unidentifiable: string | null;
        }>;
        if (faces.length > 0) {
          out(
            table(
              ['face', 'person', 'distance', 'score', 'box', 'size', 'sharpness', 'yaw'],
              faces.map((face, index) => [
                index + 1,
                face.person?.name ??
                  (face.unidentifiable
                    ? `unidentifiable (${face.unidentifiable.toLowerCase().replace('_', ' ')})`
                    : 'unknown'),
                face.distance?.toFixed(3) ?? '—',
                face.score.toFixed(2),
                `${face.box.x},${face.box.y} ${face.box.width}×${face.box.height}`,
                face.quality ? `${face.quality.size} px` : '—',
                face.quality?.sharpness.toFixed(2) ?? '—',
                face.quality ? `${Math.round(face.quality.yaw)}°` : '—',
              ]),
            ),
          );
        }
        return;
      }
      const query = new URLSearchParams({ limit: String(positiveInt(options.limit, '--limit')) });
      if (options.status) query.set('status', options.status.toUpperCase());
      const { status, data } = await client.request<{ images: ImageRecord[] }>(
        'GET',
        `/images?${query}`,
      );
      if (status !== 200)
        throw new CliError(
          describeError(data, status),
          status === 400 ? EXIT.usage : EXIT.failed,
          errorCodeOf(data),
        );
      if (json()) return out(JSON.stringify(data, null, 2));
      out(
        data.images.length === 0
          ? 'no images yet'
          : table(
              ['id', 'path', 'status', 'people'],
              data.images.map((image) => [
                image.id,
                image.path,
                image.status,
                image.people.map((person) => person.name).join(', '),
              ]),
            ),
      );
    });

  program
    .command('people')
    .description('the known people: photos enrolled, times seen, last seen')
    .action(async () => {
      const { status, data } = await api().request<{
        people: Array<{
          id: number;
          name: string;
          photos: number;
          sightings: number;
          lastSeenAt: string | null;
        }>;
      }>('GET', '/people');
      if (status !== 200)
        throw new CliError(describeError(data, status), EXIT.failed, errorCodeOf(data));
      if (json()) return out(JSON.stringify(data, null, 2));
      out(
        data.people.length === 0
          ? 'nobody enrolled yet: `facetrail enroll <dir>`'
          : table(
              ['id', 'name', 'photos', 'seen', 'last seen'],
              data.people.map((person) => [
                person.id,
                person.name,
                person.photos,
                person.sightings,
                person.lastSeenAt ?? '—',
              ]),
            ),
      );
    });

  program
    .command('rescore')
    .description(
      "decide past photos' faces again against today's enrollments and match rule, from their stored descriptors (no inference); needs the admin token",
    )
    .option('--since <time>', 'only photos submitted at or after this date or time (ISO 8601)')
    .option('--person <name or id>', 'only decisions that involve this person')
    .action(async (options: { since?: string; person?: string }) => {
      if (options.since !== undefined && Number.isNaN(new Date(options.since).getTime()))
        throw new CliError(
          `--since must be a date or time such as 2026-11-25 or 2026-11-25T10:00:00Z, not "${options.since}"`,
          EXIT.usage,
        );
      const { status, data } = await api().request<{
        examined: number;
        changed: number;
        matched: number;
        unmatched: number;
        skipped: number;
        images: number[];
        matchVersion: string;
      }>('POST', '/rescore', { json: { since: options.since, person: options.person } });
      if (status === 404) throw new CliError(describeError(data, status), EXIT.usage);
      if (status !== 200)
        throw new CliError(describeError(data, status), status === 400 ? EXIT.usage : EXIT.failed);
      if (json()) return out(JSON.stringify(data, null, 2));
      out(
        [
          `re-scored ${data.examined} stored face(s) with ${data.matchVersion || 'the current rule'}`,
          `${data.changed} changed (${data.matched} now attributed, ${data.unmatched} no longer), on ${data.images.length} image(s)${data.images.length ? `: ${data.images.join(', ')}` : ''}`,
          ...(data.skipped
            ? [`${data.skipped} skipped: their descriptors were made by other models or settings`]
            : []),
        ].join('\n'),
      );
    });

  const keys = program
    .command('keys')
    .description('API keys for cameras (ingest), screens and people (viewer) and admins');
  keys
    .command('create')
    .description('create a key and print it (the only time it is shown)')
    .requiredOption('--name <name>', 'what the key is for, e.g. lobby-screen or door-1-camera')
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(['admin', 'viewer', 'ingest'])
        .makeOptionMandatory(),
    )
    .action(async (options: { name: string; role: string }) => {
      const created = await createKey(api(), options.name, options.role);
      if (json()) return out(JSON.stringify(created, null, 2));
      out(created.key);
      err(
        `created ${created.role} key "${created.name}": keep it now, it is not shown again (revoke with \`facetrail keys revoke ${created.name}\`)`,
      );
    });
  keys
    .command('list')
    .description('every key: name, role, created, last used (never the key itself)')
    .action(async () => {
      const list = await listKeys(api());
      if (json()) return out(JSON.stringify({ keys: list }, null, 2));
      out(
        list.length === 0
          ? 'no keys yet (the ADMIN_TOKEN works without one): `facetrail keys create --name <name> --role <role>`'
          : table(
              ['name', 'role', 'created', 'last used'],
              list.map((key) => [key.name, key.role, key.createdAt, key.lastUsedAt ?? 'never']),
            ),
      );
    });
  keys
    .command('revoke')
    .description('revoke a key: it stops working at once here, within seconds everywhere')
    .argument('<name>', "the key's name")
    .action(async (name: string) => {
      await revokeKey(api(), name);
      out(json() ? JSON.stringify({ revoked: name }) : `revoked "${name}"`);
    });

  program
    .command('forget')
    .description(
      'forget a person: their descriptors and stored enrollment photos are deleted, their sightings become unknown, and folder enrollment will not bring them back',
    )
    .argument('<person>', 'a name or an id (see `facetrail people`)')
    .action(async (person: string) => {
      const client = api();
      const found = await resolvePerson(client, person);
      await forgetPerson(client, found.id);
      out(json() ? JSON.stringify({ forgotten: found }) : `forgot ${found.name} (id ${found.id})`);
    });

  program
    .command('delete')
    .description('delete one image: its record, its faces and the photo if it was uploaded')
    .argument('<id>', 'an image id')
    .action(async (id: string) => {
      const imageId = positiveInt(id, 'id');
      await deleteImage(api(), imageId);
      out(json() ? JSON.stringify({ deleted: imageId }) : `deleted image ${imageId}`);
    });

  const deadLetters = program
    .command('dead-letters')
    .description(
      'events the queue gave up on (an admin key): list them, send them again, or delete them; those whose image is final are dropped',
    );
  const ids = (values: string[]) =>
    values.length > 0 ? values.map((value) => positiveInt(value, 'id')) : undefined;
  deadLetters
    .command('list')
    .description('every stored dead letter, oldest first')
    .action(async () => {
      const list = await listDeadLetters(api());
      if (json()) return out(JSON.stringify({ deadLetters: list }, null, 2));
      out(
        list.length === 0
          ? 'no dead letters'
          : table(
              ['id', 'image', 'reason', 'status', 'attempts', 'received', 'replayed'],
              list.map((letter) => [
                String(letter.id),
                letter.imageId === null ? '-' : String(letter.imageId),
                letter.reason,
                letter.status === null ? '-' : String(letter.status),
                String(letter.attempts),
                letter.receivedAt,
                letter.replayedAt ?? 'no',
              ]),
            ),
      );
    });
  deadLetters
    .command('replay')
    .description('publish the events again (the given ids, or every one not replayed yet)')
    .argument('[ids...]', 'dead letter ids (see `facetrail dead-letters list`)')
    .action(async (values: string[]) => {
      const result = await replayDeadLetters(api(), ids(values));
      out(
        json()
          ? JSON.stringify(result)
          : `replayed ${result.replayed.length} dead letter(s)${result.dropped > 0 ? `; dropped ${result.dropped} whose image is final` : ''}`,
      );
    });
  deadLetters
    .command('purge')
    .description('delete dead letters (the given ids, or all of them)')
    .argument('[ids...]', 'dead letter ids')
    .action(async (values: string[]) => {
      const purged = await purgeDeadLetters(api(), ids(values));
      out(json() ? JSON.stringify({ purged }) : `purged ${purged} dead letter(s)`);
    });

  return program;
}

/** Set by `start`: facetrail is now serving, and the process must go on until a signal. */
let keepRunning = false;

/** The error kinds `--json` reports, by exit code. */
const ERROR_KINDS: Record<number, string> = {
  [EXIT.failed]: 'FAILED',
  [EXIT.usage]: 'USAGE',
  [EXIT.unreachable]: 'UNREACHABLE',
  [EXIT.unauthorized]: 'UNAUTHORIZED',
};

/** Runs the CLI; resolves to the exit code, or undefined when the process must keep running. */
export async function main(argv = process.argv): Promise<number | undefined> {
  const json = jsonRequested(argv);
  const program = buildProgram({ json });
  /** One line for a person, or `{"error":{"code","message"}}` on stdout with --json. */
  const fail = (message: string, exitCode: number, code?: string): number => {
    if (json)
      out(
        JSON.stringify({
          error: { code: code ?? ERROR_KINDS[exitCode] ?? 'FAILED', message, exitCode },
        }),
      );
    else err(`facetrail: ${message}`);
    return exitCode;
  };
  try {
    await program.parseAsync(argv);
    if (keepRunning) return undefined;
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end "successfully"; everything else is a usage error.
      if (error.exitCode === 0) return EXIT.ok;
      return json ? fail(error.message.replace(/^error: /, ''), EXIT.usage) : EXIT.usage;
    }
    if (error instanceof CliError) return fail(error.message, error.exitCode, error.code);
    const { ConfigError } = await import('../lib/config/env.js');
    if (error instanceof ConfigError) return fail(error.message, EXIT.usage);
    return fail((error as Error).message, EXIT.failed);
  }
}
