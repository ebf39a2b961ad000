import { parseWith, weightingEnabled, weightingSchema, type WeightingConfig } from '../config/index.js';
import type {
  Weighting,
  WeightingBootstrapMode,
  WeightingCombine,
  WeightingNoisyLabels,
  WeightingPacing,
  WeightingRegularizer,
} from './messages.js';

/** The wire names of an enum that stand for a value: all but the zero value. */
type Named<W extends string> = Exclude<W, `${string}_UNSPECIFIED`>;
type Domain = WeightingConfig;

// Domain choice → wire enum name; `satisfies` makes the compiler check that every domain choice has a name.
const NOISY_LABELS = {
  none: 'NOISY_LABELS_NONE',
  'confident-learning': 'NOISY_LABELS_CONFIDENT_LEARNING',
  'small-loss': 'NOISY_LABELS_SMALL_LOSS',
} as const satisfies Record<Domain['noisyLabels'], Named<WeightingNoisyLabels>>;
const COMBINE = {
  product: 'COMBINE_PRODUCT',
  min: 'COMBINE_MIN',
} as const satisfies Record<Domain['combine'], Named<WeightingCombine>>;
const REGULARIZER = {
  none: 'REGULARIZER_NONE',
  hard: 'REGULARIZER_HARD',
  linear: 'REGULARIZER_LINEAR',
  mixture: 'REGULARIZER_MIXTURE',
} as const satisfies Record<Domain['curriculum']['regularizer'], Named<WeightingRegularizer>>;
const PACING = {
  linear: 'PACING_LINEAR',
  root: 'PACING_ROOT',
  geometric: 'PACING_GEOMETRIC',
} as const satisfies Record<Domain['curriculum']['pacing'], Named<WeightingPacing>>;
const BOOTSTRAP_MODE = {
  soft: 'MODE_SOFT',
  hard: 'MODE_HARD',
} as const satisfies Record<NonNullable<Domain['bootstrap']>['mode'], Named<WeightingBootstrapMode>>;

/**
 * The wire form of a run's weighting config for FitConfig.weighting: the same fields, enums by their proto names,
 * `null` (off) as an absent field. Undefined when every component is off ({@link weightingEnabled} false), so an
 * unweighted round's announcement carries no weighting message at all.
 */
export function weightingToWire(w: WeightingConfig): Weighting | undefined {
  if (!weightingEnabled(w)) return undefined;
  return {
    startRound: w.startRound,
    noisyLabels: NOISY_LABELS[w.noisyLabels],
    smallLoss: { noiseRate: w.smallLoss.noiseRate, warmupRounds: w.smallLoss.warmupRounds },
    curriculum: {
      regularizer: REGULARIZER[w.curriculum.regularizer],
      pacing: PACING[w.curriculum.pacing],
      startFraction: w.curriculum.startFraction,
      fullAt: w.curriculum.fullAt,
    },
    labelSmoothing: w.labelSmoothing,
    bootstrap: w.bootstrap ? { beta: w.bootstrap.beta, mode: BOOTSTRAP_MODE[w.bootstrap.mode] } : undefined,
    correctLabelsAbove: w.correctLabelsAbove ?? undefined,
    combine: COMBINE[w.combine],
  };
}

/**
 * The weighting config an announcement carries, as it arrives over gRPC (absent sub-messages as null) or NATS (JSON),
 * validated against the run config's schema (ranges, cross-field rules) and frozen. An UNSPECIFIED enum or a missing
 * field takes the schema's default: absent in JSON, or, over gRPC (where proto3 sends no absence), 0 in a field whose
 * range excludes 0 (startRound, warmupRounds, startFraction, fullAt). An enum name this build does not know is refused.
 * @returns undefined when the announcement carries no weighting (every component off).
 * @throws {ConfigError} naming each bad field (`invalid announced weighting config: smallLoss.noiseRate: …`).
 */
export function weightingFromWire(w: Weighting | null | undefined): WeightingConfig | undefined {
  if (!w) return undefined;
  const candidate = {
    startRound: unsetIfZero(w.startRound),
    noisyLabels: fromWireEnum(NOISY_LABELS, w.noisyLabels),
    smallLoss: w.smallLoss
      ? { noiseRate: w.smallLoss.noiseRate, warmupRounds: unsetIfZero(w.smallLoss.warmupRounds) }
      : undefined,
    curriculum: w.curriculum
      ? {
          regularizer: fromWireEnum(REGULARIZER, w.curriculum.regularizer),
          pacing: fromWireEnum(PACING, w.curriculum.pacing),
          startFraction: unsetIfZero(w.curriculum.startFraction),
          fullAt: unsetIfZero(w.curriculum.fullAt),
        }
      : undefined,
    labelSmoothing: w.labelSmoothing,
    bootstrap: w.bootstrap ? { beta: w.bootstrap.beta, mode: fromWireEnum(BOOTSTRAP_MODE, w.bootstrap.mode) } : null,
    correctLabelsAbove: w.correctLabelsAbove ?? null,
    combine: fromWireEnum(COMBINE, w.combine),
  };
  return parseWith(weightingSchema, candidate, 'announced weighting config');
}

/**
 * The domain choice of a wire enum value: undefined for UNSPECIFIED or a missing (null) value (the schema's default applies);
 * an unknown name or number (a newer sender) is passed on as it came, for the schema to refuse with its field path.
 */
function fromWireEnum(toWire: Readonly<Record<string, string>>, value: string | number | null | undefined): unknown {
  if (value == null || (typeof value === 'string' && value.endsWith('_UNSPECIFIED'))) return undefined;
  return Object.keys(toWire).find((choice) => toWire[choice] === value) ?? value;
}

/** A number field whose valid range excludes 0: 0 or null is proto3's "not set", so the schema's default applies. */
function unsetIfZero(x: number | null | undefined): number | undefined {
  return x ? x : undefined;
}
