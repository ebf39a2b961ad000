import type { ClientConfig } from '../shared/config/index.js';
import { loadDataSource, type Dataset } from '../shared/data/index.js';
import type { Logger } from '../shared/logging/index.js';
import { modelsFor, NUM_CLASSES } from '../shared/models/index.js';
import { createRng, deriveSeed } from '../shared/random/index.js';
import { loadTf } from '../shared/tf/index.js';
import { startHttpServer } from '../shared/http/index.js';
import { ClientDaemon } from './daemon/index.js';
import { ClientMetrics } from './metrics/index.js';
import { injectLabelNoise, type LabelNoise } from './attacks/index.js';
import { CoordinatorLink } from './link/index.js';
import { CertificateFiles } from '../shared/tls/index.js';
import { GrpcRoundSource, MergedRoundSource, NatsRoundSource } from './rounds/index.js';
import { LocalTrainer } from './training/index.js';

/**
 * Composition root of a client daemon: loads tfjs (logging the backend), this site's data, and wires the gRPC link
 * and the round source (the WatchRounds stream, plus NATS when natsUrl is set). Resolves once joined and listening.
 * Over TLS the certificate files are read again every `tls.reloadIntervalMs`: renewed ones serve the next connections.
 * @throws {DataError} when the site's data cannot be loaded; {ConfigError} for an unreadable or wrong TLS file.
 */
export async function startClient(config: ClientConfig, logger: Logger): Promise<ClientDaemon> {
  const { tf, backend, skipped } = await loadTf(config.backend);
  logger.info({ backend, skipped }, `tfjs backend: ${backend}`);
  const loaded = loadDataSource(config.data, NUM_CLASSES);
  const noisy = config.labelNoise && withLabelNoise(loaded, config.labelNoise, config.siteId, logger);
  const data = noisy ? noisy.data : loaded;
  const models = modelsFor(data, `site data (${config.data.kind})`);
  if (!config.tls) logger.warn('PLAIN TEXT: gRPC to the coordinator without TLS, as asked (insecure)');
  const certificates = config.tls && CertificateFiles.forClient(config.tls, logger);
  const link = new CoordinatorLink(config.coordinator, config.transport, { token: config.token, tls: certificates });
  const backoff = { initialMs: config.initialBackoffMs, maxMs: config.maxBackoffMs };
  const metrics = config.metricsPort === undefined ? undefined : new ClientMetrics(data.labels.length, certificates);
  const http =
    metrics && (await startHttpServer(config.metricsHost, config.metricsPort!, metrics.app(), logger, 'metricsPort'));
  const daemon = new ClientDaemon({
    config,
    link,
    backend,
    models,
    logger,
    metrics,
    wrongLabels: noisy ? noisy.flipped : undefined,
    onClose: async () => http?.close(),
    trainer: new LocalTrainer(tf, data, deriveSeed(0, config.siteId)),
    roundSource: (d) => {
      const stream = new GrpcRoundSource(
        link,
        () => d.clientId,
        () => d.rejoin(),
        backoff,
        logger,
      );
      return config.natsUrl
        ? new MergedRoundSource([new NatsRoundSource(config.natsUrl, d.federationId, backoff, logger), stream])
        : stream;
    },
  });
  await daemon.start();
  return daemon;
}

/** Fault injection: flips this site's labels for label-noise experiments (seeded by the noise seed and the site id). */
function withLabelNoise(
  ds: Dataset,
  noise: LabelNoise,
  siteId: string,
  logger: Logger,
): { data: Dataset; flipped: Uint8Array } {
  const { labels, flipped } = injectLabelNoise(
    ds.labels,
    ds.numClasses,
    noise,
    createRng(deriveSeed(noise.seed, 'label-noise', siteId)),
  );
  logger.warn(
    { labelNoise: noise, flipped: flipped.reduce((a, b) => a + b, 0), examples: ds.labels.length },
    "FAULT INJECTION: this site's labels are noisy on purpose",
  );
  return { data: { ...ds, labels }, flipped };
}
