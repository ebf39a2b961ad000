import type { ClientConfig } from '../shared/config/index.js';
import type { Logger } from '../shared/logging/index.js';
import { createRng, deriveSeed } from '../shared/random/index.js';
import { loadTf } from '../shared/tf/index.js';
import { startHttpServer } from '../shared/http/index.js';
import { ClientDaemon, RunContexts } from './daemon/index.js';
import { loadSiteData, siteLabels, withLabelNoise, type SiteData } from './data/index.js';
import { ClientMetrics } from './metrics/index.js';
import type { LabelNoise } from './attacks/index.js';
import { CoordinatorAddresses, CoordinatorLink, GlobalModels, ModelObjectReader } from './link/index.js';
import { CertificateFiles } from '../shared/tls/index.js';
import { GrpcRoundSource, MergedRoundSource, NatsRoundSource } from './rounds/index.js';

/**
 * Composition root of a client daemon: loads tfjs (logging the backend), this site's data (read against its data
 * schema when it has one), and wires the gRPC link, the per-run contexts and the round source (the WatchRounds
 * stream, plus NATS when natsUrl is set). Resolves once joined and listening. With several coordinator addresses
 * (a list, or a DNS name with several records) the daemon talks to one at a time and follows the leader. Over TLS
 * the certificate files are read again every `tls.reloadIntervalMs`: renewed ones serve the next connections.
 * @throws {DataError} when the site's data cannot be loaded or does not fit its schema (naming the column and the
 *         first bad row); {ConfigError} for an unreadable schema or TLS file.
 */
export async function startClient(config: ClientConfig, logger: Logger): Promise<ClientDaemon> {
  const loaded = loadSiteData(config.data, logger);
  const noisy = config.labelNoise && withNoise(loaded, config.labelNoise, config.siteId, logger);
  const site = noisy ? noisy.site : loaded;
  const { tf, backend, skipped } = await loadTf(config.backend);
  logger.info({ backend, skipped }, `tfjs backend: ${backend}`);
  if (!config.tls) logger.warn('PLAIN TEXT: gRPC to the coordinator without TLS, as asked (insecure)');
  const certificates = config.tls && CertificateFiles.forClient(config.tls, logger);
  const addresses = await CoordinatorAddresses.resolve(config.coordinator, logger);
  const link = new CoordinatorLink(addresses, config.transport, { token: config.token, tls: certificates });
  const backoff = { initialMs: config.initialBackoffMs, maxMs: config.maxBackoffMs };
  const examples = siteLabels(site).length;
  const metrics = config.metricsPort === undefined ? undefined : new ClientMetrics(examples, certificates);
  const http =
    metrics && (await startHttpServer(config.metricsHost, config.metricsPort!, metrics.app(), logger, 'metricsPort'));
  const objects = config.natsUrl ? new ModelObjectReader(config.natsUrl) : undefined;
  const models = new GlobalModels(link, objects, logger, (source) => metrics?.onModelFetched(source));
  const daemon = new ClientDaemon({
    config,
    link,
    models,
    backend,
    logger,
    metrics,
    runs: new RunContexts({ tf, site, seed: deriveSeed(0, config.siteId), logger }),
    reporting: {
      reportDir: config.reportDir,
      reportScore: config.reportScore,
      wrongLabels: noisy ? noisy.flipped : undefined,
      droppedRows: site.kind === 'table' ? site.table.droppedRows : undefined,
    },
    onClose: async () => {
      await models.close();
      await http?.close();
    },
    roundSource: (d) => {
      const stream = new GrpcRoundSource(
        link,
        () => d.clientId,
        (cause) => d.rejoin(cause),
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
function withNoise(site: SiteData, noise: LabelNoise, siteId: string, logger: Logger) {
  const noisy = withLabelNoise(site, noise, createRng(deriveSeed(noise.seed, 'label-noise', siteId)));
  const flipped = noisy.flipped.reduce((a, b) => a + b, 0);
  const examples = siteLabels(site).length;
  logger.warn({ labelNoise: noise, flipped, examples }, "FAULT INJECTION: this site's labels are noisy on purpose");
  return noisy;
}
