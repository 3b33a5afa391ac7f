// The Dockerfile builds every image the manifests name, and each image starts what its
// manifest expects: the deployable's own entry point (`tsx <entry>.ts` locally), compiled by
// `npm run build` to dist/<entry>.js, with what that code needs at run time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { imageConfig, parseDockerfile, stageArgs } from './support/dockerfile.js';
import { DEPLOYABLES } from './support/deployables.js';
import { importGraph } from './support/imports.js';
import {
  Manifests,
  UPGRADE_MANIFESTS,
  loadKustomization,
  onlyContainer,
  podTemplateOf,
} from './support/manifests.js';
import { ROOT, packageJson, readRepoFile } from './support/repo.js';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const kustomization = loadKustomization();
const manifests = Manifests.load(kustomization.resources ?? []);
const pkg = packageJson();
const FACETRAIL_IMAGE = /^facetrail\/([a-z0-9-]+)$/;

/** Every image a container of the manifests names, with where. */
const imagesInManifests = manifests
  .podTemplates()
  .flatMap((template) =>
    [...(template.spec.initContainers ?? []), ...(template.spec.containers ?? [])].map(
      (container) => ({ image: container.image ?? '', template, container }),
    ),
  );

/** tsconfig.build.json, with what it inherits from tsconfig.json. */
function buildConfig() {
  const read = (file: string) =>
    JSON.parse(readRepoFile(file)) as {
      extends?: string;
      compilerOptions?: { outDir?: string; rootDir?: string };
      include?: string[];
      exclude?: string[];
    };
  const build = read('tsconfig.build.json');
  const base = build.extends ? read(build.extends.replace(/^\.\//, '')) : {};
  return {
    outDir: build.compilerOptions?.outDir ?? base.compilerOptions?.outDir,
    rootDir: build.compilerOptions?.rootDir ?? base.compilerOptions?.rootDir,
    include: build.include ?? base.include ?? [],
    exclude: build.exclude ?? base.exclude ?? [],
  };
}

/** The build-context paths COPY instructions take (not --from another stage). */
const contextCopies = dockerfile.stages.flatMap((stage) =>
  stage.instructions
    .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args))
    .flatMap((i) => {
      const parts = i.args.split(' ').filter((part) => !part.startsWith('--'));
      return parts.slice(0, -1);
    }),
);

/** What `npm uninstall` takes out of the function images. */
function recognizerOnlyPackages(): string[] {
  const value = dockerfile.globalArgs.get('RECOGNIZER_ONLY_PACKAGES') ?? '';
  return value.split(' ').filter(Boolean);
}

describe('Dockerfile', () => {
  it('builds from official Node images of the major version package.json requires', () => {
    const engines = pkg.engines?.node ?? '';
    const major = Number(/(\d+)/.exec(engines)?.[1]);
    const external = dockerfile.stages
      .map((stage) => stage.base)
      .filter((base) => !dockerfile.stages.some((s) => s.name === base.toLowerCase()));
    expect(external.length).toBeGreaterThan(0);
    for (const base of external) {
      const match = /^node:(\d+)(\.\d+)*-bookworm(-slim)?$/.exec(base);
      expect(`${base}: ${match !== null}`).toBe(`${base}: true`);
      expect(Number(match![1])).toBe(major);
    }
  });

  it('names every stage, once', () => {
    const names = dockerfile.stages.map((stage) => stage.name);
    expect(names.every(Boolean)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('lets into the build context what it copies and keeps tests out (.dockerignore)', () => {
    const rules = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1));
    for (const source of contextCopies) {
      const top = source.replace(/\/$/, '').split('/')[0]!;
      expect(`${source}: ${allowed.includes(top)}`).toBe(`${source}: true`);
      expect(existsSync(path.join(ROOT, source))).toBe(true);
    }
    expect(rules).toContain('**/*.test.ts');
  });

  it('compiles in its build stage everything npm run build compiles (tsconfig.build.json)', () => {
    const build = dockerfile.stages.find((stage) =>
      stage.instructions.some((i) => i.keyword === 'RUN' && /npm run build\b/.test(i.args)),
    );
    const copied = new Set(
      build?.instructions
        .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
        .flatMap((i) => i.args.split(' ').slice(0, -1)),
    );
    for (const file of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      expect(copied).toContain(file);
    }
    for (const folder of buildConfig().include) expect(copied).toContain(folder);
  });

  it('installs @tensorflow/tfjs-node in the recognizer image, at the locked @tensorflow/tfjs version', () => {
    const lock = JSON.parse(readRepoFile('package-lock.json')) as {
      packages: Record<string, { version?: string }>;
    };
    const tfjs = lock.packages['node_modules/@tensorflow/tfjs']?.version;
    expect(dockerfile.globalArgs.get('TFJS_NODE_VERSION')).toBe(tfjs);
    const chain = imageConfig(dockerfile, 'recognizer').chain.map((stage) => stage.name);
    const copiedFrom = imageConfig(dockerfile, 'recognizer')
      .chain.flatMap((stage) => stage.instructions)
      .map((i) => /--from=(\S+)/.exec(i.args)?.[1])
      .filter(Boolean);
    const depsStage = dockerfile.stages.find(
      (stage) =>
        copiedFrom.includes(stage.name) &&
        stage.instructions.some((i) => i.args.includes('@tensorflow/tfjs-node@')),
    );
    expect(depsStage).toBeDefined();
    expect(stageArgs(dockerfile, depsStage!).get('TFJS_NODE_VERSION')).toBe(tfjs);
    expect(chain).toContain('runtime');
  });

  it('drops from the function images only packages no function or adapter imports', () => {
    const removed = recognizerOnlyPackages();
    expect(removed.length).toBeGreaterThan(0);
    for (const name of removed) expect(pkg.dependencies).toHaveProperty([name]);
    for (const deployable of DEPLOYABLES.filter((d) => d.name !== 'recognizer')) {
      const graph = importGraph(deployable.entry);
      for (const name of removed) {
        expect(`${deployable.name} imports ${name}: ${[...(graph.packages.get(name) ?? [])]}`).toBe(
          `${deployable.name} imports ${name}: `,
        );
      }
    }
  });

  it('every package an image runs is a production dependency (images install no devDependencies)', () => {
    for (const deployable of DEPLOYABLES) {
      const graph = importGraph(deployable.entry);
      for (const [name, files] of graph.packages) {
        expect(
          `${deployable.name}: ${name} (${[...files][0]}) in dependencies: ${name in (pkg.dependencies ?? {})}`,
        ).toBe(`${deployable.name}: ${name} (${[...files][0]}) in dependencies: true`);
      }
    }
  });
});

describe.each(DEPLOYABLES.map((deployable) => [deployable.name, deployable] as const))(
  '%s image',
  (_name, deployable) => {
    const target = FACETRAIL_IMAGE.exec(deployable.image)?.[1] ?? '';
    const config = imageConfig(dockerfile, target);
    const { apiVersion, kind, name } = deployable.resource;
    const resource = manifests.get(apiVersion, kind, name);
    const template = manifests.podTemplates().find((t) => t.owner === resource)!;
    const container = onlyContainer(template);

    it('is what the manifest runs, built by the Dockerfile target of the same name', () => {
      expect(container.image).toBe(deployable.image);
      expect(config.chain.at(-1)?.name).toBe(target);
    });

    it("starts the deployable's entry point, compiled by npm run build, with no override", () => {
      const { outDir, rootDir, include, exclude } = buildConfig();
      expect(config.entrypoint).toBeUndefined();
      expect(config.cmd).toEqual(['node', `${outDir}/${deployable.entry.replace(/\.ts$/, '.js')}`]);
      expect(path.resolve(ROOT, rootDir ?? '.')).toBe(ROOT);
      expect(existsSync(path.join(ROOT, deployable.entry))).toBe(true);
      expect(include).toContain(deployable.entry.split('/')[0]);
      for (const pattern of exclude) {
        const regex = new RegExp(
          `^${pattern
            .replace(/[.+^$()|[\]\\]/g, '\\$&')
            .replace(/\*\*\//g, '(.*/)?')
            .replace(/\*/g, '[^/]*')}`,
        );
        expect(regex.test(deployable.entry)).toBe(false);
      }
      expect(container.command).toBeUndefined();
      expect(container.args).toBeUndefined();
      // The built files land where the CMD looks: WORKDIR/<outDir>.
      expect(config.workdir).toBe('/app');
      const copiesDist = config.chain.some((stage) =>
        stage.instructions.some(
          (i) => i.keyword === 'COPY' && /--from=build\s+\/app\/dist\s+dist$/.test(i.args),
        ),
      );
      expect(copiesDist).toBe(true);
    });

    it('the entry point is the one of this deployable', () => {
      const main = readRepoFile(deployable.entry);
      if (deployable.entry.startsWith('functions/')) {
        // main.ts serves the function index.ts registers under the deployable's name.
        expect(main).toContain(`name: '${deployable.name}'`);
        const index = readRepoFile(deployable.entry.replace(/main\.ts$/, 'index.ts'));
        expect(index).toContain(`http('${deployable.name}'`);
      } else if (deployable.name === 'nsq-cloudevents') {
        expect(main).toMatch(/startAdapter\(/);
      } else {
        expect(main).toMatch(/new RecognizerServer\(/);
      }
    });

    it('carries package.json, proto/, sql/ and node_modules beside dist/', () => {
      const copies = config.chain
        .flatMap((stage) => stage.instructions)
        .filter((i) => i.keyword === 'COPY')
        .map((i) => i.args);
      for (const needed of [/^package\.json \.\/$/, /^proto proto$/, /^sql sql$/]) {
        expect(copies.some((args) => needed.test(args))).toBe(true);
      }
      expect(
        copies.some((args) => /--from=\S+-deps \/app\/node_modules node_modules$/.test(args)),
      ).toBe(true);
      expect((JSON.parse(readRepoFile('package.json')) as { type?: string }).type).toBe('module');
    });

    it('runs as a numeric non-root user, the one the manifest expects', () => {
      const [uid, gid] = (config.user ?? '').split(':');
      expect(uid).toMatch(/^[1-9]\d*$/);
      const runAsUser =
        container.securityContext?.runAsUser ?? template.spec.securityContext?.runAsUser;
      if (runAsUser !== undefined) expect(String(runAsUser)).toBe(uid);
      const runAsGroup =
        container.securityContext?.runAsGroup ?? template.spec.securityContext?.runAsGroup;
      if (runAsGroup !== undefined && gid !== undefined) expect(String(runAsGroup)).toBe(gid);
    });

    it('exposes the port the manifest declares', () => {
      expect(config.exposed).toEqual((container.ports ?? []).map((p) => p.containerPort));
    });
  },
);

describe('images in the manifests', () => {
  it('every facetrail image is a Dockerfile target and is in kustomization.yaml, at the package version', () => {
    const targets = new Set(dockerfile.stages.map((stage) => stage.name));
    const facetrail = [
      ...new Set(imagesInManifests.map((i) => i.image).filter((i) => FACETRAIL_IMAGE.test(i))),
    ];
    expect(facetrail.sort()).toEqual(DEPLOYABLES.map((d) => d.image).sort());
    for (const image of facetrail) {
      expect(targets).toContain(FACETRAIL_IMAGE.exec(image)![1]);
    }
    const rewrites = kustomization.images ?? [];
    expect(rewrites.map((r) => r.name).sort()).toEqual(facetrail.sort());
    for (const rewrite of rewrites) {
      expect(rewrite.newName).toMatch(new RegExp(`/${rewrite.name}$`));
      expect(rewrite.newTag).toBe(pkg.version);
    }
  });

  it('every other image has a pinned version tag', () => {
    for (const { image, template } of imagesInManifests) {
      if (FACETRAIL_IMAGE.test(image)) continue;
      expect(`${template.owner.metadata.name}: ${image}`).toMatch(/:v?\d+(\.\d+)*$/);
    }
  });

  it('the Dockerfile substitutes only ARGs it declares', () => {
    const instructions = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*#/.test(line))
      .join('\n');
    const used = [...instructions.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of new Set(used)) expect(dockerfile.globalArgs.has(name)).toBe(true);
  });
});

describe('the migration Job (upgrade/migrate-job.yaml)', () => {
  const job = Manifests.load(UPGRADE_MANIFESTS).get('batch/v1', 'Job', 'migrate');
  const template = podTemplateOf(job);
  const container = onlyContainer(template);
  const target = FACETRAIL_IMAGE.exec(container.image ?? '')?.[1] ?? '';

  it('runs the migrator, compiled by npm run build, in a facetrail image that carries it and sql/', () => {
    expect(kustomization.images?.map((i) => i.name)).toContain(container.image);
    const config = imageConfig(dockerfile, target);
    const { outDir, include } = buildConfig();
    const entry = 'scripts/migrate.ts';
    expect(container.command).toEqual(['node', `${outDir}/${entry.replace(/\.ts$/, '.js')}`]);
    expect(existsSync(path.join(ROOT, entry))).toBe(true);
    expect(include).toContain(entry.split('/')[0]);
    // Run as a file, it migrates (the guard at its end), then exits.
    expect(readRepoFile(entry)).toMatch(
      /import\.meta\.url === `file:\/\/\$\{process\.argv\[1\]\}`/,
    );
    const copies = config.chain.flatMap((stage) => stage.instructions).map((i) => i.args);
    expect(copies).toContain('sql sql');
    expect(copies.some((args) => /--from=build\s+\/app\/dist\s+dist$/.test(args))).toBe(true);
    expect(config.workdir).toBe('/app');
  });

  it("runs as the image's non-root user", () => {
    const [uid, gid] = (imageConfig(dockerfile, target).user ?? '').split(':');
    expect(String(template.spec.securityContext?.runAsUser)).toBe(uid);
    expect(String(template.spec.securityContext?.runAsGroup)).toBe(gid);
  });
});
