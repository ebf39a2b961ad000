import { simulatedFederation } from './test/bench/peers.js';
const sites = Number(process.argv[2] ?? 100);
const secagg = process.argv[3] !== 'plain';
const { status, reports } = await simulatedFederation({
  coordinator: { clientTimeoutMs: 120_000 }, params: 1_000_000, clients: sites, processes: 4, rounds: 3,
  run: secagg ? { secureAggregation: { numShares: 15, reconstructionThreshold: 8 } } : {},
});
console.log('ROUNDS', status.rounds.map((r) => (r.durationMs / 1000).toFixed(2)).join(' '), status.state, status.error);
console.log('ERRORS', reports.flatMap((r) => r.errors).slice(0, 5));
process.exit(0);
