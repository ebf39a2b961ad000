import { z } from 'zod';
import { FedsiftError } from '../../shared/errors/index.js';
import { isRobustStrategy } from '../strategies/index.js';
import {
  resolveRoundParams,
  validateSecAggSettings,
  type RoundSecAggParams,
  type SecAggParams,
} from '../../shared/secagg/index.js';

/** Default deadline of each key stage, advertise keys and share keys (ms). */
export const DEFAULT_KEY_STAGE_TIMEOUT_MS = 20_000;

/** A stage deadline (ms): at least 100 ms, at most a timer's longest delay. */
const stageTimeoutMs = (defaultMs: number) => z.number().int().min(100).max(2_147_483_647).default(defaultMs);

/**
 * A run's SecAgg+ (README "Secure aggregation"), with Flower's names (`SecAggPlusWorkflow`): the settings of
 * validateSecAggSettings, plus a deadline for each stage the coordinator waits on besides the masked upload (which
 * ends with the attempt's round deadline).
 * @see Bell et al., CCS 2020, §3; Flower `SecAggPlusWorkflow`
 */
export const secureAggregationSchema = z
  .object({
    /** Neighbourhood size, the client included: a count > 2, or a fraction in (0, 1] of the attempt's clients. */
    numShares: z.number(),
    /** Shares that rebuild a secret: a count ≥ 2, or a fraction in (0, 1] of numShares; > numShares / 2. */
    reconstructionThreshold: z.number(),
    /** Example count at which a client's weight saturates. @default 1000 */
    maxWeight: z.number().optional(),
    /** Every delta value is clipped to ±clippingRange before quantisation (weight units), ≥ 1. @default 8 */
    clippingRange: z.number().optional(),
    /** Quantisation levels. @default 2^22 */
    quantizationRange: z.number().optional(),
    /** Masks and sums live mod this power of two, ≤ 2^32. @default 2^32 */
    modulus: z.number().optional(),
    /**
     * Stage 1 (advertise keys) closes this long after the attempt's announcement at the latest (ms); with
     * shareKeysTimeoutMs below the shortest attempt deadline (secAggRunIssues). @default 20000 (40 s of the default
     * 60 s round deadline for stages 1 and 2 at worst)
     */
    advertiseKeysTimeoutMs: stageTimeoutMs(DEFAULT_KEY_STAGE_TIMEOUT_MS),
    /** Stage 2 (share keys) closes this long after stage 1 at the latest (ms). @default 20000 */
    shareKeysTimeoutMs: stageTimeoutMs(DEFAULT_KEY_STAGE_TIMEOUT_MS),
    /** Stage 4 (unmask) closes this long after the masked uploads at the latest (ms). @default 30000 */
    unmaskTimeoutMs: stageTimeoutMs(30_000),
  })
  .strict();

/** A run config's `secureAggregation` block as validated. */
export type SecureAggregationOptions = z.output<typeof secureAggregationSchema>;

/**
 * The `secureAggregation` block of `fedsift demo --secagg`: every client of the round is a neighbour of every other
 * (numShares = clients) and a secret needs a majority of them (threshold ⌊clients/2⌋ + 1); the run config fills in
 * Flower's other defaults and the stage deadlines.
 * @param clients clients per round, ≥ 3 (SecAgg+ shares a secret with at least 2 others).
 */
export function secAggFlagConfig(clients: number): z.input<typeof secureAggregationSchema> {
  return { numShares: clients, reconstructionThreshold: Math.floor(clients / 2) + 1 };
}

/** A problem of the run config that involves `secureAggregation`, with the path of the field it names. */
export interface SecAggIssue {
  path: (string | number)[];
  message: string;
}

/** The SecAgg+ settings of a run's options (the stage deadlines left out), validated, defaults filled in. */
export function secAggParamsOf(o: SecureAggregationOptions): SecAggParams {
  const { numShares, reconstructionThreshold, maxWeight, clippingRange, quantizationRange, modulus } = o;
  const settings = { numShares, reconstructionThreshold, maxWeight, clippingRange, quantizationRange, modulus };
  return validateSecAggSettings(settings, 'secureAggregation');
}

/**
 * Bell et al.'s honest-majority bound: a threshold of at most half the shares would let a coordinator that lies
 * about who dropped collect both secrets of a client (its self-mask seed from some neighbours, its mask key from
 * others) and unmask that client's single update.
 * @returns why `p` breaks the bound, or undefined when it holds.
 * @see Bell et al., CCS 2020, §3 (t > k/2 against a malicious server)
 */
export function honestMajorityProblem(p: RoundSecAggParams): string | undefined {
  if (2 * p.threshold > p.numShares) return undefined;
  return (
    `reconstructionThreshold ${p.threshold} must exceed half of numShares ${p.numShares}: a smaller threshold ` +
    'lets a coordinator that lies about dropouts rebuild both secrets of a client and see its update'
  );
}

/**
 * Why an attempt of `numClients` selected clients cannot run SecAgg+ with `params`: resolveRoundParams refuses the
 * round, or its threshold is not above half its shares (honestMajorityProblem).
 * @returns the problem and the dotted field it names, or undefined when such an attempt can run.
 */
export function selectionProblem(
  params: SecAggParams,
  numClients: number,
): { field: string; message: string } | undefined {
  let p: RoundSecAggParams;
  try {
    p = resolveRoundParams(params, numClients, 'secureAggregation');
  } catch (err) {
    if (!(err instanceof FedsiftError)) throw err;
    return { field: err.field ?? 'secureAggregation', message: err.message };
  }
  const problem = honestMajorityProblem(p);
  if (problem) return { field: 'secureAggregation.reconstructionThreshold', message: `secureAggregation.${problem}` };
  return undefined;
}

/**
 * The cross-field rules of `secureAggregation`: valid settings (validateSecAggSettings) that every attempt the run
 * can open can run, from its smallest selection (min(minAvailableClients, clientsPerRound): a round opens once that
 * many clients are live) to clientsPerRound (resolveRoundParams, reconstructionThreshold > numShares / 2); stages 1
 * and 2 leave time to train before the round deadline; no robust strategy, no update codec, no maxUpdateNorm, no
 * central DP with adaptive clipping (each needs single updates, which SecAgg+ never shows).
 * @returns the issues, each naming the fields involved (none when secureAggregation is null).
 */
export function secAggRunIssues(run: {
  secureAggregation: SecureAggregationOptions | null;
  strategy: { name: string };
  clientsPerRound: number;
  minClients: number;
  minAvailableClients?: number | undefined;
  roundDeadlineMs: number;
  adaptiveDeadline: { minMs: number } | null;
  updateCodec: string;
  maxUpdateNorm: number | null;
  differentialPrivacy: { mode: 'central' | 'local'; adaptiveClipping?: unknown } | null;
}): SecAggIssue[] {
  const sa = run.secureAggregation;
  if (!sa) return [];
  const issues: SecAggIssue[] = [];
  let params: SecAggParams | undefined;
  try {
    params = secAggParamsOf(sa);
  } catch (err) {
    if (!(err instanceof FedsiftError)) throw err;
    issues.push({ path: err.field ? err.field.split('.') : ['secureAggregation'], message: err.message });
  }
  const lowest = Math.min(run.minAvailableClients ?? run.minClients, run.clientsPerRound);
  for (let n = lowest; params && n <= run.clientsPerRound; n++) {
    const problem = selectionProblem(params, n);
    if (!problem) continue;
    // A round too small for SecAgg+ names the field that lets the run select it.
    const sizeField = n === run.clientsPerRound ? 'clientsPerRound' : 'minAvailableClients';
    const range = `an attempt selects from min(minAvailableClients, clientsPerRound) = ${lowest} to clientsPerRound = ${run.clientsPerRound} clients`;
    issues.push({
      path: problem.field === 'numClients' ? [sizeField] : problem.field.split('.'),
      message: `${problem.message} (with ${n} clients selected; ${range}, and every such attempt must run SecAgg+)`,
    });
    break;
  }
  // The shortest deadline an attempt can get (attemptDeadlineMs): adaptive first attempts get as little as minMs.
  const { roundDeadlineMs, adaptiveDeadline } = run;
  const shortestMs = adaptiveDeadline ? Math.min(adaptiveDeadline.minMs, roundDeadlineMs) : roundDeadlineMs;
  const deadlineField =
    adaptiveDeadline && adaptiveDeadline.minMs < roundDeadlineMs ? 'adaptiveDeadline.minMs' : 'roundDeadlineMs';
  if (sa.advertiseKeysTimeoutMs + sa.shareKeysTimeoutMs >= shortestMs)
    issues.push({
      path: ['secureAggregation', 'shareKeysTimeoutMs'],
      message:
        `secureAggregation.advertiseKeysTimeoutMs + shareKeysTimeoutMs (${sa.advertiseKeysTimeoutMs} + ` +
        `${sa.shareKeysTimeoutMs} ms) must be below ${deadlineField} (${shortestMs} ms), the shortest deadline ` +
        'an attempt can get: the masked uploads end with it, and stages 1 and 2 at their deadlines would leave no ' +
        'time to train',
    });
  const refuse = (path: string[], message: string) => issues.push({ path, message });
  if (isRobustStrategy(run.strategy.name))
    refuse(
      ['strategy', 'name'],
      `strategy "${run.strategy.name}" cannot be combined with secureAggregation: a robust strategy needs single ` +
        'updates, and SecAgg+ reveals only their sum',
    );
  if (run.updateCodec !== 'none')
    refuse(
      ['updateCodec'],
      `updateCodec "${run.updateCodec}" cannot be combined with secureAggregation: the masked vector is its own ` +
        'encoding (quantised, mod the modulus); leave updateCodec "none"',
    );
  if (run.maxUpdateNorm !== null)
    refuse(
      ['maxUpdateNorm'],
      'maxUpdateNorm cannot be combined with secureAggregation: no single update is visible to measure; ' +
        'secureAggregation.clippingRange bounds every value instead',
    );
  if (run.differentialPrivacy?.mode === 'central' && run.differentialPrivacy.adaptiveClipping)
    refuse(
      ['differentialPrivacy', 'adaptiveClipping'],
      'differentialPrivacy.adaptiveClipping cannot be combined with secureAggregation: adaptive clipping counts ' +
        'the single updates within the clipping norm, which SecAgg+ never shows; give a fixed ' +
        'differentialPrivacy.clippingNorm (clients clip, the coordinator noises the unmasked mean)',
    );
  return issues;
}
