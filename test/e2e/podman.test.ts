// The container image, built from the real Dockerfile and run by the real clients: podman the way
// kpt starts function containers, kpt (eval and render) with KPT_FN_RUNTIME=podman, and kubectl
// kustomize's `container:` functions through a `docker` shim that execs podman.
//
// When the docker CLI is installed too, the same is done with it against podman's Docker API:
// the Dockerfile must build with the legacy builder, and kpt's default docker runtime must work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BROKEN_SIDECARSET,
  DEPLOYMENT,
  DOCKER_SHIM_DIR,
  FUNCTION_IMAGE,
  NODE_BASE_IMAGE,
  ROOT,
  SERVICE,
  assertTools,
  buildFunctionImage,
  describeRun,
  find,
  onPath,
  TOKEN_VOLUME_WARNINGS,
  parseResourceList,
  parseStream,
  preparePodman,
  resourceList,
  runCommand,
  sidecarSet,
  skipWithout,
  templateContainers,
  tempDirs,
  tokenVolumeApp,
  tokenVolumeOutcome,
  writeTree,
  type Run,
  kptfile,
  expectWebAppInjected,
  webAppKustomization,
} from './helpers.js';

const TOOLS = ['podman', 'kpt', 'kubectl'];
const SUITE = 'function image with podman, kpt and kustomize';
const dirs = tempDirs('e2e-podman');

/** As the annotations of a transformer's metadata: kustomize runs it as the container function FUNCTION_IMAGE. */
const CONTAINER_FUNCTION_ANNOTATION = `  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: ${FUNCTION_IMAGE}\n`;

/** Exactly the flags kpt uses, plus a read-only root file system. */
const PODMAN_RUN = ['run', '-i', '--rm', '--network', 'none', '--user', 'nobody', '--read-only', '--security-opt=no-new-privileges'];

describe.skipIf(skipWithout(SUITE, TOOLS))(SUITE, () => {
  beforeAll(() => {
    assertTools(TOOLS);
    preparePodman();
    buildFunctionImage();
  }, 900_000);
  afterAll(() => dirs.cleanup());

  describe('podman run', () => {
    it('injects the SidecarSet of the functionConfig into a Deployment and echoes the other items', () => {
      const input = resourceList([DEPLOYMENT, SERVICE], sidecarSet('apps.kruise.io/v1alpha1'));
      const r = runCommand('podman', [...PODMAN_RUN, FUNCTION_IMAGE], { input });
      expect(r.status, describeRun('podman run', r)).toBe(0);
      const { items } = parseResourceList(r.stdout);
      expect(templateContainers(find(items, 'Deployment', 'web'))).toContain('log-agent');
      expect(find(items, 'Service', 'web').spec).toEqual({ selector: { app: 'web' }, ports: [{ port: 80 }] });
    });

    it('the image runs node on the bundle as user nobody', () => {
      const r = runCommand('podman', ['image', 'inspect', '--format', '{{.Config.User}} {{json .Config.Entrypoint}}', FUNCTION_IMAGE]);
      expect(r.stdout.trim()).toBe('65534:65534 ["node","/fn/inject-sidecarsets.js"]');
    });

    it('answers --help, as kpt fn doc asks', () => {
      const r = runCommand('podman', ['run', '--rm', '--network', 'none', FUNCTION_IMAGE, '--help']);
      expect(r.status, describeRun('podman run --help', r)).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
      expect(r.stdout).toMatch(/InjectSidecarSets/);
    });

    it('exits 1 with the message on stderr and an error result for a broken SidecarSet', () => {
      const r = runCommand('podman', [...PODMAN_RUN, FUNCTION_IMAGE], { input: resourceList([DEPLOYMENT], BROKEN_SIDECARSET) });
      expect(r.status, describeRun('podman run', r)).toBe(1);
      expect(r.stderr).toMatch(/containers/);
      const { items, results } = parseResourceList(r.stdout);
      expect(results.some((x) => x.severity === 'error')).toBe(true);
      expect(templateContainers(find(items, 'Deployment', 'web'))).toEqual(['app']);
    });
  });

  describe('kpt with KPT_FN_RUNTIME=podman', () => {
    const kptEnv = (): NodeJS.ProcessEnv => ({ ...process.env, KPT_FN_RUNTIME: 'podman' });

    it('fn eval --image runs the local image and injects the sidecar', () => {
      const dir = dirs.tree({
        'pkg/deploy.yaml': DEPLOYMENT,
        'pkg/service.yaml': SERVICE,
        'sidecarset.yaml': sidecarSet('apps.kruise.io/v1beta1'),
      });
      const r = kptEvalImage(dir, 'sidecarset.yaml', kptEnv(), ['-o', 'unwrap']);
      expect(r.status, describeRun('kpt fn eval', r)).toBe(0);
      const objects = parseStream(r.stdout);
      expect(templateContainers(find(objects, 'Deployment', 'web'))).toContain('log-agent');
      expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Service']);
    });

    it('fn eval fails with the function error and leaves the package untouched', () => {
      const dir = dirs.tree({ 'pkg/deploy.yaml': DEPLOYMENT, 'broken.yaml': BROKEN_SIDECARSET });
      const r = kptEvalImage(dir, 'broken.yaml', kptEnv());
      expect(r.status, describeRun('kpt fn eval', r)).toBe(1);
      expect(r.stderr).toMatch(/\[FAIL\]/);
      expect(readFileSync(join(dir, 'pkg/deploy.yaml'), 'utf8')).toBe(DEPLOYMENT);
    });

    it('fn render with an image: pipeline injects in place, and a second render changes nothing', () => {
      const dir = dirs.make();
      writeTree(dir, {
        Kptfile: kptfile('app', `mutators:\n  - image: ${FUNCTION_IMAGE}\n    configPath: sidecarset.yaml\n`),
        'deploy.yaml': DEPLOYMENT,
        'service.yaml': SERVICE,
        'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
      });
      const render = (): void => {
        const r = runCommand('kpt', ['fn', 'render', dir, '--image-pull-policy', 'never'], { env: kptEnv() });
        expect(r.status, describeRun('kpt fn render', r)).toBe(0);
      };
      const files = ['Kptfile', 'deploy.yaml', 'service.yaml', 'sidecarset.yaml'];
      const read = (): string[] => files.map((f) => readFileSync(join(dir, f), 'utf8'));

      render();
      const first = read();
      expect(templateContainers(find(parseStream(first[1]!), 'Deployment', 'web'))).toContain('log-agent');
      expect(first[2]).toBe(SERVICE);
      expect(first[1]).toContain('# the application');
      render();
      expect(read()).toEqual(first);
    });
  });

  describe('kubectl kustomize with a container: function', () => {
    const shimEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${DOCKER_SHIM_DIR}:${process.env.PATH ?? ''}` });

    it('runs the image through scripts/docker-shim, a docker that execs podman', () => {
      expectWebAppInjected(runCommand('kubectl', ['kustomize', '--enable-alpha-plugins', containerFunctionApp()], { env: shimEnv() }));
    });

    // kustomize shows only a function's stderr (kyaml/fn/runtime/exec/exec.go passes it through):
    // what the function does to an app's own token volumes must be a warning there (issue 17, §6).
    it('shows the warnings for token volumes of an app that gets a ServiceAccount', () => {
      const dir = dirs.tree(tokenVolumeApp(CONTAINER_FUNCTION_ANNOTATION));
      const r = runCommand('kubectl', ['kustomize', '--enable-alpha-plugins', dir], { env: shimEnv() });
      expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
      expect(tokenVolumeOutcome(parseStream(r.stdout))).toEqual({ serviceAccountName: 'log-shipper', volumes: ['vault-token'] });
      for (const warning of TOKEN_VOLUME_WARNINGS) expect(r.stderr).toMatch(warning);
    });
  });

  describe("the README's container image walk-through", () => {
    // Exactly the README's podman block, in a fresh bash without CONTAINERS_CONF: the walk-through
    // must set up everything it needs itself, and only `source` keeps podman's config in the shell.
    it('runs as written from the checkout root, and both clients inject the sidecar', () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Container image'), readme.indexOf('## ServiceAccount injection'));
      const block = /```bash\n(source scripts\/podman-setup\.sh[^]*?)```/.exec(section)?.[1];
      expect(block, 'the podman block of "Container image"').toBeDefined();
      expect(block).toContain(FUNCTION_IMAGE);
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.CONTAINERS_CONF;
      const r = runCommand('bash', ['-euo', 'pipefail', '-c', block!], { cwd: ROOT, env });
      expect(r.status, describeRun('README block', r)).toBe(0);
      // kpt's eval output, then kustomize's build (two YAML streams back to back): the Deployment
      // twice, each with the sidecar and Kruise's record of it.
      expect(r.stdout.match(/^kind: Deployment$/gm)).toHaveLength(2);
      expect(r.stdout.match(/^ +kruise\.io\/sidecarset-injected-list: log-sidecar$/gm)).toHaveLength(2);
      expect(r.stdout.match(/^ +(- )?name: IS_INJECTED$/gm)).toHaveLength(2);
    });
  });

  const hasDocker = onPath('docker') !== undefined;
  if (!hasDocker) console.warn('[e2e] no docker CLI: the checks with the real docker client are skipped (optional everywhere)');

  describe.skipIf(!hasDocker)('the real docker client against podman system service', () => {
    let service: ChildProcess | undefined;
    let socket = '';
    const dockerEnv = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_BUILDKIT: '0' });

    beforeAll(async () => {
      socket = join(dirs.make(), 'podman.sock');
      // Exits by itself after two idle minutes, should this process die before afterAll.
      service = spawn('podman', ['system', 'service', '--time=120', `unix://${socket}`], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(100);
      const ca = '/etc/ssl/certs/ca-certificates.crt';
      const r = runCommand(
        'docker',
        [
          'build',
          '--network',
          'host',
          '--build-arg',
          `BUILD_BASE=${NODE_BASE_IMAGE}`,
          '--build-arg',
          `BASE=${NODE_BASE_IMAGE}`,
          '--build-arg',
          `NPM_CONFIG_CAFILE=${ca}`,
          '--build-arg',
          `NODE_EXTRA_CA_CERTS=${ca}`,
          '-t',
          FUNCTION_IMAGE,
          ROOT,
        ],
        { env: dockerEnv() },
      );
      if (r.status !== 0) throw new Error(describeRun('docker build (legacy builder)', { ...r, stdout: r.stdout.slice(-4000) }));
    }, 900_000);

    afterAll(async () => {
      if (!service || service.exitCode !== null) return;
      const exited = new Promise((resolve) => service!.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    });

    it('kpt fn eval with its default docker runtime', () => {
      const dir = dirs.tree({ 'pkg/deploy.yaml': DEPLOYMENT, 'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1') });
      const r = kptEvalImage(dir, 'sidecarset.yaml', { ...dockerEnv(), KPT_FN_RUNTIME: 'docker' }, ['-o', 'unwrap']);
      expect(r.status, describeRun('kpt fn eval', r)).toBe(0);
      expect(templateContainers(find(parseStream(r.stdout), 'Deployment', 'web'))).toContain('log-agent');
    });

    it('kubectl kustomize with a container: function', () => {
      const r = runCommand('kubectl', ['kustomize', '--enable-alpha-plugins', containerFunctionApp()], { env: dockerEnv() });
      expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
      expect(templateContainers(find(parseStream(r.stdout), 'Deployment', 'web'))).toContain('log-agent');
    });
  });
});

/** `kpt fn eval` of `dir`/pkg with the function image, which it must not pull, configured by the file `fnConfig` in `dir`. */
function kptEvalImage(dir: string, fnConfig: string, env: NodeJS.ProcessEnv, outputArgs: string[] = []): Run {
  const args = [
    'fn',
    'eval',
    join(dir, 'pkg'),
    '--image',
    FUNCTION_IMAGE,
    '--image-pull-policy',
    'never',
    '--fn-config',
    join(dir, fnConfig),
  ];
  return runCommand('kpt', [...args, ...outputArgs], { env });
}

/** A kustomization whose transformer is a SidecarSet run as the container function FUNCTION_IMAGE. */
function containerFunctionApp(): string {
  const transformer = sidecarSet('apps.kruise.io/v1alpha1').replace(
    'metadata:\n  name: log-agent\n',
    `metadata:\n  name: log-agent\n${CONTAINER_FUNCTION_ANNOTATION}`,
  );
  return dirs.tree(webAppKustomization(transformer));
}
