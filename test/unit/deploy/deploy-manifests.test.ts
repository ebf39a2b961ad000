import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { clientCommand } from '../../../client-node/cli/index.js';
import { coordinatorCommand } from '../../../coordinator/cli/coordinator-command.js';
import { coordinatorConfigSchema } from '../../../shared/config/index.js';
import { roundsStream, roundsSubjects } from '../../../shared/contract/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const text = (p: string) => readFileSync(join(root, p), 'utf8');
const defaults = coordinatorConfigSchema.parse({ insecure: true });

/** Environment variables the code reads (`process.env.X` in coordinator/, client-node/, shared/). */
function envNamesInCode(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mjs)$/.test(e))
        for (const m of readFileSync(p, 'utf8').matchAll(/process\.env\.([A-Z_]+)/g)) names.add(m[1]!);
    }
  };
  ['coordinator', 'client-node', 'shared'].forEach((d) => walk(join(root, d)));
  return names;
}

/** `--flag` names in an argument list (`--a=b` and `--a b` forms, also inside a shell line). */
const flagsIn = (args: string[]) => args.flatMap((a) => a.match(/--[a-z][a-z-]*/g) ?? []);
const knownFlags = (cmd: Command) => new Set(cmd.options.map((o) => o.long!));

type Compose = {
  services: Record<
    string,
    { image?: string; command?: string[]; environment?: Record<string, string>; ports?: string[] }
  >;
};
type K8sDoc = { kind: string; metadata: { name: string }; spec: Record<string, any> };

const compose = parse(text('deploy/docker/docker-compose.yml'), { merge: true }) as Compose;
const k8s = ['coordinator.yaml', 'clients.yaml', 'postgres.yaml'].flatMap((f) =>
  parseAllDocuments(text(`deploy/kubernetes/${f}`)).map((d) => d.toJS() as K8sDoc),
);
const natsValues = parse(text('deploy/kubernetes/nats-values.yaml')) as {
  fullnameOverride: string;
  config: Record<string, any>;
};
const podSpec = (name: string) => k8s.find((d) => d.metadata.name === name)!.spec.template.spec.containers[0];

describe('deploy/: Docker, docker-compose and Kubernetes manifests match the code', () => {
  it('uses only flags the fedsift commands define', () => {
    const coordinator = knownFlags(coordinatorCommand()),
      client = knownFlags(clientCommand());
    const uses: [string, string[], Set<string>][] = [
      ...Object.entries(compose.services)
        .filter(([, s]) => s.command?.[0] === 'coordinator')
        .map(([n, s]) => [n, s.command!, coordinator] as [string, string[], Set<string>]),
      ...Object.entries(compose.services)
        .filter(([, s]) => s.command?.[0] === 'client')
        .map(([n, s]) => [n, s.command!, client] as [string, string[], Set<string>]),
      ['k8s coordinator', podSpec('fedsift-coordinator').args, coordinator],
      ['k8s clients', podSpec('fedsift-client').args, client],
    ];
    assert.ok(uses.length >= 6);
    for (const [where, args, known] of uses)
      assert.deepEqual(
        flagsIn(args).filter((f) => !known.has(f)),
        [],
        `unknown flags in ${where}`,
      );
  });

  it('sets only environment variables the code reads', () => {
    const read = envNamesInCode();
    const composeEnv = Object.values(compose.services)
      .filter((s) => s.image === 'fedsift')
      .flatMap((s) => Object.keys(s.environment ?? {}));
    // POD_NAME feeds the manifests' own arguments; PG* are libpq's variables, which node-postgres reads.
    const k8sEnv = ['fedsift-coordinator', 'fedsift-client']
      .flatMap((n) => (podSpec(n).env as { name: string }[]).map((e) => e.name))
      .filter((n) => n !== 'POD_NAME' && !n.startsWith('PG'));
    assert.ok(composeEnv.length > 0 && k8sEnv.length > 0);
    assert.deepEqual(
      [...new Set([...composeEnv, ...k8sEnv])].filter((n) => !read.has(n)),
      [],
    );
  });

  it("wires ports and addresses: coordinator defaults, the clients' coordinator address, the NATS URL", () => {
    const coordinator = compose.services['coordinator-a']!;
    assert.deepEqual(coordinator.ports, [
      `${defaults.port}:${defaults.port}`,
      `${defaults.httpPort}:${defaults.httpPort}`,
    ]);
    assert.ok(
      coordinator.command!.includes(String(defaults.port)) && coordinator.command!.includes(String(defaults.httpPort)),
    );
    for (const s of Object.values(compose.services).filter((x) => x.command?.[0] === 'client')) {
      assert.equal(s.environment!.FEDSIFT_COORDINATOR, `coordinator-a:${defaults.port},coordinator-b:${defaults.port}`);
      const nats = new URL(s.environment!.NATS_URL!);
      assert.ok(nats.hostname in compose.services && nats.port === '4222');
    }
    const natsNodes = Object.entries(compose.services).filter(([n]) => n.startsWith('nats-'));
    assert.equal(natsNodes.length, 3);
    for (const [, s] of natsNodes) assert.ok(s.command!.includes('-js') && s.command!.includes('--routes'));

    const deployment = podSpec('fedsift-coordinator');
    const ports = Object.fromEntries(
      (deployment.ports as { name: string; containerPort: number }[]).map((p) => [p.name, p.containerPort]),
    );
    assert.deepEqual(ports, { grpc: defaults.port, http: defaults.httpPort });
    const service = k8s.find((d) => d.kind === 'Service' && d.metadata.name === 'fedsift-coordinator')!;
    for (const p of service.spec.ports as { port: number; targetPort: string }[])
      assert.equal(ports[p.targetPort], p.port);
    const clientEnv = Object.fromEntries(
      (podSpec('fedsift-client').env as { name: string; value?: string }[]).map((e) => [e.name, e.value]),
    );
    assert.equal(clientEnv.FEDSIFT_COORDINATOR, `${service.metadata.name}:${defaults.port}`);
    assert.equal(
      k8s.find((d) => d.metadata.name === 'fedsift-coordinator')!.spec.template.spec.containers[0].readinessProbe
        .httpGet.path,
      '/readyz',
      'the Service sends clients to the ready pod: the leader',
    );
    const natsUrl = new URL(clientEnv.NATS_URL!);
    assert.equal(natsUrl.hostname, natsValues.fullnameOverride);
    assert.equal(Number(natsUrl.port), natsValues.config.nats.port);
    assert.equal(natsValues.config.jetstream.enabled, true);
    assert.equal(natsValues.config.cluster.replicas, 3);
  });

  it('runs two coordinator replicas on one PostgreSQL, each advertising an address of its own', () => {
    const flag = (args: string[], name: string) => {
      const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
      return args[i]!.includes('=') ? args[i]!.split('=')[1]! : args[i + 1]!;
    };
    const coordinators = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'coordinator');
    assert.equal(coordinators.length, 2);
    const states = coordinators.map(([, s]) => new URL(flag(s.command!, '--state')));
    assert.equal(states[0]!.href, states[1]!.href, 'one database for both');
    assert.equal(compose.services[states[0]!.hostname]?.image?.startsWith('postgres:'), true);
    assert.deepEqual(
      coordinators.map(([, s]) => flag(s.command!, '--advertise')),
      coordinators.map(([name]) => `${name}:${defaults.port}`),
    );

    const statefulSet = k8s.find((d) => d.kind === 'StatefulSet' && d.metadata.name === 'fedsift-coordinator')!;
    assert.equal(statefulSet.spec.replicas, 2);
    const pod = podSpec('fedsift-coordinator');
    const env = Object.fromEntries((pod.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    const state = new URL(env.FEDSIFT_STATE!);
    const postgres = k8s.find((d) => d.kind === 'Service' && d.metadata.name === state.hostname)!;
    assert.equal(postgres.spec.ports[0].port, Number(state.port));
    assert.ok('PGPASSWORD' in env && !state.password, 'the password from a Secret, not in the URL');
    const headless = k8s.find((d) => d.metadata.name === statefulSet.spec.serviceName)!;
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(headless.spec.publishNotReadyAddresses, true, "a standby's own name resolves");
    assert.equal(flag(pod.args, '--advertise'), `$(POD_NAME).${headless.metadata.name}:${defaults.port}`);
  });

  it("the image exposes the ports in use and runs the CLI; the NATS values name the coordinator's stream and subjects", () => {
    const dockerfile = text('deploy/docker/Dockerfile');
    const exposed = dockerfile
      .match(/^EXPOSE (.+)$/m)![1]!
      .split(/\s+/)
      .map(Number);
    assert.deepEqual(exposed, [defaults.port, defaults.httpPort, 9465]);
    assert.match(dockerfile, /ENTRYPOINT \["node", "coordinator\/cli\/bin\.mjs"\]/);
    assert.ok(statSync(join(root, 'coordinator/cli/bin.mjs')).isFile());
    const env = podSpec('fedsift-coordinator').env as { name: string; value?: string }[];
    const { federationId } = coordinatorConfigSchema.parse({
      insecure: true,
      federationId: env.find((e) => e.name === 'FEDSIFT_FEDERATION_ID')?.value,
    });
    assert.notEqual(federationId, defaults.federationId, 'the manifest names its federation');
    const values = text('deploy/kubernetes/nats-values.yaml');
    assert.ok(values.includes(roundsStream(federationId)) && values.includes(roundsSubjects(federationId)));
  });
});
