// A small Dockerfile reader: stages, their instructions, and what a target inherits through
// its FROM chain (CMD, ENTRYPOINT, USER, WORKDIR, EXPOSE). Enough for the consistency tests;
// BuildKit itself parses the real thing.

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** `AS name`, lower-cased (Docker's stage names are case-insensitive). */
  name: string | undefined;
  /** The FROM image or stage, ARGs substituted. */
  base: string;
  instructions: Instruction[];
  line: number;
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let line = lines[index]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // Continuation lines (a trailing backslash); comment lines inside are dropped.
    while (/\\\s*$/.test(line) && index + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ');
      index++;
      const next = lines[index]!;
      if (!/^\s*#/.test(next)) line += next;
    }
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${line}"`);
    instructions.push({
      keyword: match[1]!.toUpperCase(),
      args: match[2]!.trim().replace(/\s+/g, ' '),
      line: start + 1,
    });
  }

  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [, image, name] =
        /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      if (!image) throw new Error(`Dockerfile line ${instruction.line}: bad FROM`);
      stages.push({
        name: name?.toLowerCase(),
        base: substitute(image, globalArgs),
        instructions: [],
        line: instruction.line,
      });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') {
        throw new Error(`Dockerfile line ${instruction.line}: only ARG may precede FROM`);
      }
      const [name, value] = splitArg(instruction.args);
      globalArgs.set(name, value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function splitArg(args: string): [string, string | undefined] {
  const equals = args.indexOf('=');
  if (equals < 0) return [args, undefined];
  return [args.slice(0, equals), unquote(args.slice(equals + 1))];
}

const unquote = (value: string) => value.replace(/^"([\s\S]*)"$/, '$1');

/** ${NAME} and $NAME replaced by the ARG defaults given. */
export function substitute(value: string, args: Map<string, string | undefined>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, a, b) => {
      const name = (a ?? b) as string;
      return args.get(name) ?? whole;
    },
  );
}

/** A JSON-form (exec form) CMD/ENTRYPOINT, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string')
    ? parsed
    : undefined;
}

/** The ARG defaults visible in a stage: global ones redeclared in it, and its own. */
export function stageArgs(dockerfile: Dockerfile, stage: Stage): Map<string, string | undefined> {
  const args = new Map<string, string | undefined>();
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== 'ARG') continue;
    const [name, value] = splitArg(instruction.args);
    args.set(name, value ?? dockerfile.globalArgs.get(name));
  }
  return args;
}

export interface ImageConfig {
  /** The stages from the base image to the target, in build order. */
  chain: Stage[];
  /** The external image at the root of the chain. */
  baseImage: string;
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  user: string | undefined;
  workdir: string | undefined;
  exposed: number[];
}

/** What the image built with `--target name` runs as, following FROM <stage> links. */
export function imageConfig(dockerfile: Dockerfile, target: string): ImageConfig {
  const byName = new Map(
    dockerfile.stages.filter((stage) => stage.name).map((stage) => [stage.name!, stage]),
  );
  const chain: Stage[] = [];
  let stage = byName.get(target.toLowerCase());
  if (!stage) throw new Error(`the Dockerfile has no stage named ${target}`);
  while (stage) {
    chain.unshift(stage);
    if (chain.length > dockerfile.stages.length) throw new Error('FROM cycle');
    stage = byName.get(stage.base.toLowerCase());
  }
  const config: ImageConfig = {
    chain,
    baseImage: chain[0]!.base,
    cmd: undefined,
    entrypoint: undefined,
    user: undefined,
    workdir: undefined,
    exposed: [],
  };
  for (const link of chain) {
    for (const instruction of link.instructions) {
      switch (instruction.keyword) {
        case 'CMD':
          config.cmd = execForm(instruction.args) ?? ['/bin/sh', '-c', instruction.args];
          break;
        case 'ENTRYPOINT':
          config.entrypoint = execForm(instruction.args) ?? ['/bin/sh', '-c', instruction.args];
          config.cmd = undefined; // an ENTRYPOINT resets an inherited CMD
          break;
        case 'USER':
          config.user = instruction.args;
          break;
        case 'WORKDIR':
          config.workdir = instruction.args;
          break;
        case 'EXPOSE':
          config.exposed.push(...instruction.args.split(' ').map((port) => Number.parseInt(port)));
          break;
      }
    }
  }
  return config;
}
