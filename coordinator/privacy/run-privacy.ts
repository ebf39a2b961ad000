import {
  adaptiveUpdateNoiseMultiplier,
  clipFactor,
  nextClippingNorm,
  RdpAccountant,
  secureRandomBytes,
  type PrivacyStep,
  type RandomBytes,
} from '../../shared/privacy/index.js';
import { AggregationError, DataError } from '../../shared/errors/index.js';
import type { DifferentialPrivacyConfig } from './dp-config.js';
import { noisedUnclippedFraction, privateMeanModel } from './private-mean.js';

/** What a run's central DP carries across rounds, stored with each round's checkpoint (JSON). */
export interface PrivacyState {
  /** The clipping norm the next round uses (adaptive clipping moves it; fixed clipping keeps it). */
  clippingNorm: number;
  /** Every accounted round: (σ, q, count) steps of the RDP accountant, in order. */
  history: PrivacyStep[];
  /**
   * The run's secret selection salt (hex, 16 bytes from secureRandomBytes), mixed into the client selection seed so
   * that selection is not predictable from the public run seed (the accountant's sampling amplification assumes it is
   * not). Kept so a resumed run selects the same way; never shown in status or logs. Absent in older checkpoints.
   */
  selectionSalt?: string;
}

/**
 * A run's differential privacy and its accountant. Central mode (DP-FedAvg, fixed or adaptive clipping): clips each
 * round's updates (clipping factors as aggregation weights, see PrivateRound), noises their mean, moves the adaptive
 * clipping norm. Local mode: the clients clip and noise their own updates (localFitPrivacy goes out with FitConfig);
 * the coordinator aggregates as usual and only accounts. Every aggregated round is one accountant step.
 *
 * Central accounting: a round is the sampled Gaussian mechanism with noise multiplier σ (with adaptive clipping, the
 * update noise σ_Δ = (σ⁻² − (2σ_b)⁻²)^−½ and the count noise σ_b together cost what one Gaussian of multiplier σ does,
 * Andrew et al. 2021 Thm. 1) and sampling rate q = clients selected ÷ clients available for selection. fedsift selects
 * a fixed number of clients; that is accounted as Poisson sampling at rate q, the usual approximation (TFF, Opacus).
 * Local accounting, per site and worst case (a site in every round): each update the site sends is the Gaussian
 * mechanism on its clipped delta, whose value any change of the site's data moves by at most 2C (replace-one), with
 * noise σC: multiplier σ/2, no sampling amplification (the coordinator knows whom it selected), q = 1.
 * @see McMahan et al. 2018, Alg. 1; Andrew et al. 2021, Alg. 1; Mironov et al. 2019 (RDP of the sampled Gaussian).
 */
export class RunPrivacy {
  private clippingNormValue: number;
  private accountant: RdpAccountant;
  private salt: string;

  /**
   * @param config the run's DP settings (resolvePrivacy).
   * @param random the noise's byte source. @default secureRandomBytes (node:crypto)
   */
  constructor(
    readonly config: DifferentialPrivacyConfig,
    private readonly random: RandomBytes = secureRandomBytes,
  ) {
    this.clippingNormValue = config.clippingNorm ?? config.adaptiveClipping!.initialClippingNorm;
    this.accountant = new RdpAccountant();
    this.salt = Buffer.from(secureRandomBytes(16)).toString('hex');
  }

  /** The secret salt mixed into the client selection seed (see PrivacyState.selectionSalt). Never log it. */
  get selectionSalt(): string {
    return this.salt;
  }

  /** The clipping norm C of the next round to aggregate (weight units). */
  get clippingNorm(): number {
    return this.clippingNormValue;
  }

  /**
   * The noise multiplier on the sum of clipped updates: σ with fixed clipping; with adaptive clipping σ_Δ =
   * (σ⁻² − (2σ_b)⁻²)^−½ (0 when σ = 0).
   */
  get updateNoiseMultiplier(): number {
    const { noiseMultiplier: sigma, adaptiveClipping } = this.config;
    if (!adaptiveClipping || sigma === 0) return sigma;
    return adaptiveUpdateNoiseMultiplier(sigma, adaptiveClipping.clippedCountStddev);
  }

  /** Starts one round's private aggregation at the current clipping norm; undefined in local mode (nothing to do). */
  beginRound(): PrivateRound | undefined {
    if (this.config.mode === 'local') return undefined;
    return new PrivateRound(this, this.clippingNormValue, this.random);
  }

  /** What FitConfig tells each client in local mode (σ and C); null in central mode. */
  localFitPrivacy(): { noiseMultiplier: number; clippingNorm: number } | null {
    if (this.config.mode !== 'local') return null;
    return { noiseMultiplier: this.config.noiseMultiplier, clippingNorm: this.clippingNormValue };
  }

  /** The accountant step of one round sampled at rate q: (σ, q) central, (σ/2, 1) local (see the class). */
  private stepOf(samplingRate: number): [noiseMultiplier: number, samplingRate: number] {
    const sigma = this.config.noiseMultiplier;
    return this.config.mode === 'local' ? [sigma / 2, 1] : [sigma, samplingRate];
  }

  /** Adaptive clipping after a round: C ← C·exp(−η·(b̃ − γ)), b̃ the noised unclipped share. No-op when fixed. */
  adaptClippingNorm(unclipped: number, count: number): void {
    const a = this.config.adaptiveClipping;
    if (!a) return;
    const share = noisedUnclippedFraction(unclipped, count, a.clippedCountStddev, this.random);
    this.clippingNormValue = nextClippingNorm(this.clippingNormValue, share, a.targetClippedQuantile, a.clipNormLr);
  }

  /**
   * Accounts one aggregated round sampled at rate q. @returns ε(δ) after it (∞ when σ = 0).
   * @throws {RangeError} when q ∉ (0, 1].
   */
  account(samplingRate: number): number {
    this.accountant.step(...this.stepOf(samplingRate));
    return this.epsilon();
  }

  /** ε(δ) spent so far (0 before the first round). */
  epsilon(): number {
    return this.accountant.epsilon(this.config.delta).epsilon;
  }

  /** ε(δ) once one more round sampled at rate q is accounted (nothing is accounted). */
  epsilonAfterRound(samplingRate: number): number {
    return this.accountant.epsilonAfterStep(...this.stepOf(samplingRate), this.config.delta);
  }

  /** What a checkpoint keeps: the next clipping norm and the accountant's history. */
  state(): PrivacyState {
    return { clippingNorm: this.clippingNormValue, history: this.accountant.history(), selectionSalt: this.salt };
  }

  /**
   * Continues from a checkpoint's state (a resumed run). @throws {DataError} when the state is malformed (a clipping
   * norm that is not a positive number, or a history the accountant refuses).
   */
  restore(state: PrivacyState): void {
    if (!(state.clippingNorm > 0 && Number.isFinite(state.clippingNorm)))
      throw new DataError(`stored privacy state: clipping norm ${state.clippingNorm} is not a positive number`);
    try {
      this.accountant = new RdpAccountant(state.history);
    } catch (err) {
      throw new DataError(`stored privacy state: ${(err as Error).message}`);
    }
    this.clippingNormValue = state.clippingNorm;
    if (state.selectionSalt !== undefined) this.salt = state.selectionSalt;
  }
}

/**
 * One round of private aggregation: each update's aggregation weight is its clipping factor c_k = min(1, C/‖Δ_k‖)
 * (folded into the ordinary running weighted mean), and `finish` turns that mean into the noised mean model.
 */
export class PrivateRound {
  private unclipped = 0;

  constructor(
    private readonly privacy: RunPrivacy,
    /** The clipping norm C of this round. */
    readonly clippingNorm: number,
    private readonly random: RandomBytes,
  ) {}

  /**
   * The aggregation weight of a SecAgg+ mean of `count` updates that their clients clipped to this round's norm
   * themselves: `count`, as each clipped update counts with c_k = 1 (DP-FedAvg's Σ clip(Δ_k) = count · mean).
   * @throws {AggregationError} naming `who` under adaptive clipping, which needs every update's norm.
   */
  weightOfClippedMean(count: number, who: string): number {
    if (this.privacy.config.adaptiveClipping)
      throw new AggregationError(`${who}: adaptive clipping needs single update norms, not a clipped mean`);
    return count;
  }

  /**
   * The aggregation weight of an update at distance `norm` = ‖x_k − g‖₂ from the global model: its clipping factor.
   * @throws {AggregationError} naming `who` when the norm was not measured or is not a finite number ≥ 0.
   */
  weightOf(norm: number | undefined, who: string): number {
    if (norm === undefined || !(norm >= 0 && Number.isFinite(norm)))
      throw new AggregationError(`${who}: differential privacy needs the update's norm, got ${norm}`);
    if (norm <= this.clippingNorm) this.unclipped++;
    return clipFactor(norm, this.clippingNorm);
  }

  /**
   * The round's noised mean model (privateMeanModel, written into `mean`), then the adaptive clipping step.
   * @param clipWeightSum Σ c_k and `count` m: the running mean's weight and count.
   */
  finish(global: Float32Array, mean: Float32Array, clipWeightSum: number, count: number): Float32Array {
    const stddev = this.privacy.updateNoiseMultiplier * this.clippingNorm;
    privateMeanModel(global, mean, clipWeightSum, count, stddev, this.random);
    this.privacy.adaptClippingNorm(this.unclipped, count);
    return mean;
  }
}
