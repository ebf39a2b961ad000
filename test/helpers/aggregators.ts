import { startAggregator, type Aggregator } from '../../coordinator/aggregator/index.js';
import { parseAggregatorConfig } from '../../shared/config/index.js';
import { silentLogger, type Logger } from '../../shared/logging/index.js';

/**
 * A real aggregator on a free loopback port, joined to the coordinator at `upstream` as site `siteId` (plain text
 * both ways); `config` adds or overrides fields. Close it in `after`.
 */
export function startTestAggregator(
  upstream: string,
  siteId: string,
  config: Record<string, unknown> = {},
  logger: Logger = silentLogger(),
): Promise<Aggregator> {
  return startAggregator(
    parseAggregatorConfig({
      port: 0,
      insecure: true,
      ...config,
      upstream: { coordinator: upstream, siteId, insecure: true, connectTimeoutMs: 30_000 },
    }),
    logger,
  );
}
