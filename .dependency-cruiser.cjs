/** Modules that must stay pure of I/O: strategies and reductions, error classes, weighting, curriculum, RNG. */
const PURE_MODULES =
  '^(coordinator/strategies|coordinator/fedbuff|shared/errors|client-node/weighting|shared/curriculum|shared/random)/';

/**
 * Import rules CI checks (`npm run lint`): no cycles, the layers of the fixed layout, and the pure core free of I/O.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (type-only imports included) ties modules that should be layered.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-stays-shared',
      severity: 'error',
      comment: 'shared/ is what both sides use: it imports neither side.',
      from: { path: '^shared/' },
      to: { path: '^(coordinator|client-node)/' },
    },
    {
      name: 'client-without-coordinator',
      severity: 'error',
      comment: 'A site runs client-node/ alone: nothing there imports the coordinator.',
      from: { path: '^client-node/' },
      to: { path: '^coordinator/' },
    },
    {
      name: 'coordinator-without-client',
      severity: 'error',
      comment:
        'The coordinator proper never imports client-node/; only the CLI (one binary for both roles), the lab ' +
        '(demo, experiments, simulation) and the aggregator (a coordinator to its clients, a client of its upstream) do.',
      from: { path: '^coordinator/', pathNot: '^coordinator/(cli|lab|aggregator)/' },
      to: { path: '^client-node/' },
    },
    {
      name: 'lab-outside-coordinator',
      severity: 'error',
      comment:
        'The research harness (lab/) and the CLI sit on top of the coordinator; the coordinator imports neither.',
      from: { path: '^coordinator/', pathNot: '^coordinator/(cli|lab)/' },
      to: { path: '^coordinator/(cli|lab)/' },
    },
    {
      name: 'lab-without-cli',
      severity: 'error',
      comment: 'The CLI loads the lab; the lab never imports the CLI.',
      from: { path: '^coordinator/lab/' },
      to: { path: '^coordinator/cli/' },
    },
    {
      name: 'pure-core-without-io-packages',
      severity: 'error',
      comment:
        'Pure modules (aggregation, sample weighting, curriculum pace, seeded randomness, the error classes) get I/O ' +
        'as parameters: they import no transport or database package (STYLE 4).',
      from: { path: PURE_MODULES },
      to: { path: '(^|/)node_modules/(@grpc/|@nats-io/|pg/|better-sqlite3/)' },
    },
    {
      name: 'pure-core-without-io-builtins',
      severity: 'error',
      comment: "Pure modules import none of node's file, network or process modules (STYLE 4).",
      from: { path: PURE_MODULES },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|net|http2|child_process)(/|$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js'] },
  },
};
