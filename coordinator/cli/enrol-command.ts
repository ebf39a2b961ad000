import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../../shared/errors/index.js';
import { readJsonFile } from '../../shared/config/index.js';
import { writeFileAtomic } from '../../shared/files/index.js';
import { tokenHash } from '../auth/index.js';

/**
 * `fedsift enrol`: creates a site's enrolment token, stores only its SHA-256 in the coordinator's enrolment file
 * (written atomically; other sites kept), and prints the token once, for the site's `fedsift client --token`.
 */
export function enrolCommand(): Command {
  return new Command('enrol')
    .description(
      "create an enrolment token for a site: its hash goes into the coordinator's tokens file, the token is printed once",
    )
    .requiredOption('--site-id <id>', 'the site the token is bound to (its client id derives from it)')
    .requiredOption(
      '--tokens-file <file>',
      "the coordinator's enrolment file (auth.clientTokensFile / --client-tokens), created when missing",
    )
    .option(
      '--replace',
      "replace the site's existing token (a running coordinator stops accepting the old one within a second)",
    )
    .action((o: { siteId: string; tokensFile: string; replace?: boolean }) => {
      const entries = existsSync(o.tokensFile) ? readJsonFile(o.tokensFile, 'enrolment file') : {};
      if (o.siteId in entries && !o.replace)
        throw new ConfigError(
          `site "${o.siteId}" is already enrolled in ${o.tokensFile}; pass --replace for a new token`,
          { field: 'site-id' },
        );
      const token = randomBytes(32).toString('base64url');
      writeFileAtomic(
        o.tokensFile,
        [JSON.stringify({ ...entries, [o.siteId]: tokenHash(token) }, null, 2) + '\n'],
        0o600,
      );
      console.log(token);
      console.error(
        `site "${o.siteId}" enrolled in ${o.tokensFile}; give it this token: fedsift client --site-id ${o.siteId} --token <token> (or $FEDSIFT_TOKEN)`,
      );
    });
}
