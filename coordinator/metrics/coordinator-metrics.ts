import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../../shared/metrics/index.js';
import {
  CLASS_LOSS_METRICS,
  CLIENT_METRICS,
  STALENESS_MEAN,
  STALENESS_METRICS,
  WEIGHT_HIST_METRICS,
  WEIGHT_HISTOGRAM_BINS,
  weightBinLowerEdge,
} from '../../shared/contract/index.js';
import type { RunEvent } from '../../shared/proto/index.js';
import { registerCertificateExpiry, type CertificateFiles } from '../../shared/tls/index.js';

/**
 * The coordinator's Prometheus metrics, in a registry of its own (no global state): `fedsift_`-prefixed series with
 * a `run` label, plus the process default metrics (`process_*`, `nodejs_*`). Fed by run events and by the gRPC
 * layer (bytes, rejections).
 */
export class CoordinatorMetrics {
  readonly registry = new Registry();
  private readonly roundsCompleted: Counter<'run'>;
  private readonly roundDuration: Histogram<'run'>;
  private readonly aggregationSeconds: Histogram<'run'>;
  private readonly currentRound: Gauge<'run'>;
  private readonly selected: Gauge<'run'>;
  private readonly responded: Gauge<'run'>;
  private readonly dropped: Counter<'run'>;
  private readonly joins: Counter;
  private readonly rejected: Counter<'run' | 'reason'>;
  private readonly bytesReceived: Counter<'run' | 'codec'>;
  private readonly bytesSent: Counter<'run' | 'codec'>;
  private readonly modelObjectBytes: Counter<'run'>;
  private readonly testLoss: Gauge<'run'>;
  private readonly testAccuracy: Gauge<'run'>;
  private readonly downweighted: Gauge<'run'>;
  private readonly curriculumStage: Gauge<'run'>;
  private readonly weightShare: Gauge<'run' | 'bin'>;
  private readonly classLoss: Gauge<'run' | 'class'>;
  private readonly siteConflicts: Counter<'outcome'>;
  private readonly dpEpsilon: Gauge<'run'>;
  private readonly dpClippingNorm: Gauge<'run'>;
  private readonly staleness: Histogram<'run'>;

  /**
   * @param liveClients current number of live clients, read at scrape time.
   * @param uploads the upload memory bound (UploadGate), read at scrape time.
   * @param certificates the gRPC server's TLS files, whose expiry is a gauge (none: plain text, no gauge).
   */
  constructor(
    liveClients: () => number,
    uploads: { readonly inUseBytes: number; readonly waiting: number },
    certificates?: CertificateFiles | null,
  ) {
    const r = [this.registry];
    collectProcessMetrics(this.registry);
    if (certificates) registerCertificateExpiry(this.registry, certificates);
    new Gauge({
      name: 'fedsift_clients_connected',
      help: 'Clients joined and heartbeating within the client timeout',
      registers: r,
      collect() {
        this.set(liveClients());
      },
    });
    new Gauge({
      name: 'fedsift_upload_buffer_bytes',
      help: 'Memory held by updates being received (bytes; one upload may exceed uploadBufferBytes)',
      registers: r,
      collect() {
        this.set(uploads.inUseBytes);
      },
    });
    new Gauge({
      name: 'fedsift_uploads_waiting',
      help: 'Uploads paused until the upload memory has room',
      registers: r,
      collect() {
        this.set(uploads.waiting);
      },
    });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter({ name, help, labelNames, registers: r });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['run'] as const, registers: r });
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames: ['run'] as const, buckets, registers: r });
    this.roundsCompleted = counter('fedsift_rounds_completed_total', 'Rounds aggregated', ['run']);
    this.roundDuration = histogram(
      'fedsift_round_duration_seconds',
      'Round duration from announcement to evaluated aggregate',
      [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    );
    this.aggregationSeconds = histogram(
      'fedsift_aggregation_seconds',
      'Time to finish aggregation and evaluate the new global model',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    );
    this.currentRound = gauge('fedsift_current_round', 'Round the run is in');
    this.selected = gauge('fedsift_clients_selected', 'Clients selected for the current round');
    this.responded = gauge('fedsift_clients_responded', 'Clients whose update entered the last completed round');
    this.dropped = counter('fedsift_clients_dropped_total', 'Selected clients that contributed no update to a round', [
      'run',
    ]);
    this.rejected = counter('fedsift_updates_rejected_total', 'Updates refused, by reason', ['run', 'reason']);
    this.joins = counter(
      'fedsift_client_joins_total',
      'Join calls accepted, re-joins included (a restarted daemon, a lost WatchRounds stream)',
      [],
    );
    this.siteConflicts = counter(
      'fedsift_site_join_conflicts_total',
      'Joins for a site that already had a live daemon: refused, or takeover (the live daemon was cut off)',
      ['outcome'],
    );
    this.bytesReceived = counter(
      'fedsift_received_bytes_total',
      "Update bytes received from clients, as sent (codec: the run's updateCodec)",
      ['run', 'codec'],
    );
    this.bytesSent = counter(
      'fedsift_sent_bytes_total',
      "Global model bytes streamed to clients by FetchModel, as sent (codec: the run's downloadCodec)",
      ['run', 'codec'],
    );
    this.modelObjectBytes = counter(
      'fedsift_model_object_bytes_total',
      'Global model bytes put into the NATS object store (once per round; clients download them from NATS)',
      ['run'],
    );
    this.testLoss = gauge(
      'fedsift_global_test_loss',
      'Cross-entropy of the global model on the test set (nats per sample)',
    );
    this.testAccuracy = gauge(
      'fedsift_global_test_accuracy_ratio',
      'Accuracy of the global model on the test set (0..1)',
    );
    this.downweighted = gauge(
      'fedsift_downweighted_samples_ratio',
      'Share of client samples down-weighted by data-centric weighting in the last round',
    );
    this.curriculumStage = gauge('fedsift_curriculum_stage', 'Curriculum stage (pace) of the last round');
    this.dpEpsilon = gauge(
      'fedsift_dp_epsilon',
      'Differential privacy (central, or local per site): epsilon spent after the last completed round (at the run config delta)',
    );
    this.dpClippingNorm = gauge(
      'fedsift_dp_clipping_norm',
      'Central differential privacy: L2 clipping norm of the last completed round (weight units)',
    );
    this.weightShare = new Gauge({
      name: 'fedsift_sample_weight_share',
      help: `Share of client samples per sample-weight bin (bin = lower edge, width ${1 / WEIGHT_HISTOGRAM_BINS}) in the last round`,
      labelNames: ['run', 'bin'],
      registers: r,
    });
    this.classLoss = new Gauge({
      name: 'fedsift_class_train_loss',
      help: 'Mean loss of client samples by given label under the global model in the last weighted round (nats)',
      labelNames: ['run', 'class'],
      registers: r,
    });
    this.staleness = new Histogram({
      name: 'fedsift_update_staleness',
      help: 'Staleness of the updates an asynchronous run folded: versions between the one trained from and the one folded into',
      labelNames: ['run'],
      buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16, 32],
      registers: r,
    });
  }

  /** Updates the series from one run event. */
  onRunEvent(e: RunEvent): void {
    const run = e.status.runId;
    this.currentRound.set({ run }, e.status.currentRound);
    const r = e.round;
    if (e.kind !== 'RUN_EVENT_KIND_ROUND_COMPLETED' || !r) return;
    this.roundsCompleted.inc({ run });
    this.roundDuration.observe({ run }, r.durationMs / 1000);
    this.aggregationSeconds.observe({ run }, r.aggregationMs / 1000);
    this.selected.set({ run }, r.selected);
    this.responded.set({ run }, r.responded);
    this.dropped.inc({ run }, r.selected - r.responded);
    if (Number.isFinite(r.testLoss)) this.testLoss.set({ run }, r.testLoss);
    if (Number.isFinite(r.testAccuracy)) this.testAccuracy.set({ run }, r.testAccuracy);
    if (r.dpEpsilon) this.dpEpsilon.set({ run }, r.dpEpsilon); // 0 or absent: the run has no DP
    if (r.dpClippingNorm) this.dpClippingNorm.set({ run }, r.dpClippingNorm);
    const dw = r.clientMetrics[CLIENT_METRICS.downweightedRatio];
    if (dw !== undefined) this.downweighted.set({ run }, dw);
    const stage = r.clientMetrics[CLIENT_METRICS.curriculumStage];
    if (stage !== undefined) this.curriculumStage.set({ run }, stage);
    this.observeStaleness(run, r);
    for (const [name, value] of Object.entries(r.clientMetrics)) {
      const bin = WEIGHT_HIST_METRICS.indexOf(name),
        cls = CLASS_LOSS_METRICS.indexOf(name);
      if (bin !== undefined) this.weightShare.set({ run, bin: weightBinLowerEdge(bin).toFixed(1) }, value);
      if (cls !== undefined) this.classLoss.set({ run, class: String(cls) }, value);
    }
  }

  /**
   * Observes an asynchronous version's staleness histogram (STALENESS_METRICS counts, which the engine writes with
   * STALENESS_MEAN; intake refuses client metrics of those names) in fedsift_update_staleness: nothing for a summary
   * without STALENESS_MEAN (a synchronous round), and at most `responded` observations (the updates the version
   * folded), so no count can make the loop longer than the version's own updates.
   */
  private observeStaleness(run: string, r: NonNullable<RunEvent['round']>): void {
    if (r.clientMetrics[STALENESS_MEAN] === undefined) return;
    let left = r.responded;
    for (const [name, count] of Object.entries(r.clientMetrics)) {
      const tau = STALENESS_METRICS.indexOf(name);
      if (tau === undefined) continue;
      for (let n = 0; n < count && left > 0; n++, left--) this.staleness.observe({ run }, tau);
    }
  }

  /** Counts an accepted Join. */
  onJoin(): void {
    this.joins.inc();
  }

  /** Counts a refused update; `reason` is a stable snake_case label (e.g. `invalid_update`, `stale_round`). */
  updateRejected(run: string, reason: string): void {
    this.rejected.inc({ run, reason });
  }

  /** Refused updates of one run so far, by reason. */
  async rejectionsOf(run: string): Promise<Record<string, number>> {
    const { values } = await this.rejected.get();
    return Object.fromEntries(
      values.filter((v) => v.labels.run === run).map((v) => [String(v.labels.reason), v.value]),
    );
  }

  /** Counts a Join for a site that had a live daemon, by outcome (`refused` or `takeover`). */
  siteJoinConflict(outcome: 'refused' | 'takeover'): void {
    this.siteConflicts.inc({ outcome });
  }

  bytesReceivedFrom(run: string, codec: string, bytes: number): void {
    this.bytesReceived.inc({ run, codec }, bytes);
  }

  bytesSentTo(run: string, codec: string, bytes: number): void {
    this.bytesSent.inc({ run, codec }, bytes);
  }

  /** Counts a global model put into the NATS object store (NatsModelObjects). */
  modelObjectPut(run: string, bytes: number): void {
    this.modelObjectBytes.inc({ run }, bytes);
  }

  /** Prometheus text exposition format. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Stable label for a rejection: a FedsiftError code without its prefix (`FS_ERR_STALE_ROUND` → `stale_round`). */
export function rejectionReason(code: string | undefined): string {
  return code ? code.replace(/^FS_ERR_/, '').toLowerCase() : 'internal';
}
