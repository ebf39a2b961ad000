import { Command } from 'commander';
import { addSiteOptions, siteConfigFromFlags } from './site-options.js';

/**
 * `fedsift preflight`: checks a site with the flags of `fedsift client`, one line per check, without joining. Sets
 * the exit code: 0 when every check passed, else the code of the first failed one (README "CLI").
 */
export function preflightCommand(): Command {
  const cmd = new Command('preflight').description(
    "check a site before running its daemon (same flags as `fedsift client`): the coordinator, TLS, the token, NATS, the data against the runs' model, the tfjs backend and the speed of one batch; exits 0 only if every check passes",
  );
  return addSiteOptions(cmd).action(async (o) => {
    const config = siteConfigFromFlags(o);
    const { preflight, formatCheck, formatSummary } = await import('../preflight/index.js');
    const report = await preflight(config, (r) => console.log(formatCheck(r)));
    console.log(formatSummary(report.checks));
    process.exitCode = report.exitCode;
  });
}
