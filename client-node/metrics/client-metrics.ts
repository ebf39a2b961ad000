import { Hono } from 'hono';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../../shared/metrics/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { registerCertificateExpiry, type CertificateFiles } from '../../shared/tls/index.js';

/**
 * A client daemon's Prometheus metrics in a registry of its own: local training time per round, local samples,
 * rounds by outcome, upload retries, flagged label issues (reported by data-centric weighting when it runs), process defaults.
 */
export class ClientMetrics {
  readonly registry = new Registry();
  private readonly trainingSeconds: Histogram;
  private readonly rounds: Counter<'outcome'>;
  private readonly labelIssues: Gauge;
  private readonly uploadRetries: Counter<'code'>;
  private readonly modelFetches: Counter<'source'>;

  /**
   * @param samples local training examples of this site.
   * @param certificates the TLS files of the link to the coordinator, whose expiry is a gauge (none: no gauge).
   */
  constructor(samples: number, certificates?: CertificateFiles | null) {
    const r = [this.registry];
    collectProcessMetrics(this.registry);
    if (certificates) registerCertificateExpiry(this.registry, certificates);
    new Gauge({ name: 'fedsift_client_samples', help: 'Local training examples of this site', registers: r }).set(
      samples,
    );
    this.trainingSeconds = new Histogram({
      name: 'fedsift_client_training_seconds',
      help: 'Local training time per round',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: r,
    });
    this.rounds = new Counter({
      name: 'fedsift_client_rounds_total',
      help: 'Rounds this client was selected for, by outcome (submitted, failed)',
      labelNames: ['outcome'],
      registers: r,
    });
    this.uploadRetries = new Counter({
      name: 'fedsift_client_upload_retries_total',
      help: 'Uploads tried again after a transport failure (a dropped connection), by the gRPC status of the failed try',
      labelNames: ['code'],
      registers: r,
    });
    this.modelFetches = new Counter({
      name: 'fedsift_client_model_fetches_total',
      help: 'Global models fetched, by source (nats: the NATS object store, grpc: the coordinator)',
      labelNames: ['source'],
      registers: r,
    });
    this.labelIssues = new Gauge({
      name: 'fedsift_client_label_issues_flagged',
      help: 'Local samples flagged as likely label issues in the last round',
      registers: r,
    });
  }

  /** Records one round: its training metrics (train_ms, label_issues_flagged when present) and outcome. */
  onRound(outcome: 'submitted' | 'failed', metrics: Readonly<Record<string, number>> = {}): void {
    this.rounds.inc({ outcome });
    const trainMs = metrics[CLIENT_METRICS.trainMs],
      labelIssues = metrics[CLIENT_METRICS.labelIssuesFlagged];
    if (trainMs !== undefined) this.trainingSeconds.observe(trainMs / 1000);
    if (labelIssues !== undefined) this.labelIssues.set(labelIssues);
  }

  /** Records a retried upload; `code` is the gRPC status name of the try that failed (e.g. UNAVAILABLE). */
  onUploadRetry(code: string): void {
    this.uploadRetries.inc({ code });
  }

  /** Counts a global model fetched from `source` (`nats` or `grpc`). */
  onModelFetched(source: string): void {
    this.modelFetches.inc({ source });
  }

  /** HTTP app: `/metrics` (Prometheus text format) and `/healthz`. */
  app(): Hono {
    return new Hono()
      .get('/metrics', async (c) =>
        c.body(await this.registry.metrics(), 200, { 'Content-Type': this.registry.contentType }),
      )
      .get('/healthz', (c) => c.json({ status: 'ok' }));
  }
}
