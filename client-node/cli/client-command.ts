import { Command } from 'commander';
import { createLogger } from '../../shared/logging/index.js';
import { untilShutdownSignal } from '../../shared/lifecycle/index.js';
import { addSiteOptions, siteConfigFromFlags } from './site-options.js';

/** `fedsift client`: runs a client daemon next to a site's data until SIGINT/SIGTERM. */
export function clientCommand(): Command {
  const cmd = new Command('client').description(
    'run a client daemon: join the coordinator, train on local data each round it is selected for',
  );
  return addSiteOptions(cmd)
    .option(
      '--takeover',
      'cut off a live daemon of this site (it exits 5) instead of being refused and exiting 5 (one daemon per site)',
    )
    .action(async (o) => {
      const config = siteConfigFromFlags(o);
      const logger = createLogger({ name: 'client' });
      const { startClient } = await import('../main.js');
      const daemon = await startClient(config, logger);
      const ended = await Promise.race([untilShutdownSignal(), daemon.cutOff]);
      if (typeof ended === 'string') logger.info({ signal: ended }, 'shutting down');
      await daemon.close();
      if (typeof ended !== 'string') throw ended; // another daemon speaks for the site: exit 5 saying so
    });
}
