import { existsSync, statSync } from 'node:fs';
import { readJsonFile } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { ClientRegistry } from '../clients/index.js';

/** How often, at most, the file's modification time is looked at (ms). */
const RECHECK_MS = 1_000;
const FIELD = 'auth.clientTokensFile';

/**
 * The enrolment file (`{"<site id>": "<hex SHA-256 of its token>"}`, written by `fedsift enrol`), re-read when it
 * changes — looked at no more than once a second, on the calls that need it — so enrolling a site, or removing one to
 * revoke its token, takes effect without restarting the coordinator. A change that does not parse is reported to
 * `onReloadError` and the enrolment read before stays in force.
 */
export class EnrolmentFile {
  /** token hash → site id. */
  private sites = new Map<string, string>();
  /** token hash → the client id of its site. */
  private clients = new Map<string, string>();
  private mtimeMs = 0;
  private checkedMs = 0;

  /** @throws {ConfigError} naming auth.clientTokensFile when the file is missing or malformed (at start). */
  constructor(
    private readonly path: string,
    private readonly onReloadError: (err: Error) => void,
  ) {
    this.load();
  }

  /** The site whose token has this hash, if enrolled. */
  siteOf(hash: string): string | undefined {
    this.refresh();
    return this.sites.get(hash);
  }

  /** The client id of the site whose token has this hash, if enrolled. */
  clientOf(hash: string): string | undefined {
    this.refresh();
    return this.clients.get(hash);
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedMs < RECHECK_MS) return;
    this.checkedMs = now;
    try {
      const mtimeMs = statSync(this.path, { throwIfNoEntry: false })?.mtimeMs ?? -1;
      if (mtimeMs === this.mtimeMs) return;
      this.mtimeMs = mtimeMs; // a version that fails to load is reported once, not on every call
      this.load();
    } catch (err) {
      this.onReloadError(err as Error);
    }
  }

  /** @throws {ConfigError} when the file is missing or malformed. */
  private load(): void {
    if (!existsSync(this.path)) throw new ConfigError(`${FIELD}: ${this.path} does not exist (create it with \`fedsift enrol\`)`, { field: FIELD });
    const mtimeMs = statSync(this.path).mtimeMs;
    const sites = new Map<string, string>();
    for (const [site, hash] of Object.entries(readJsonFile(this.path, `enrolment file (${FIELD})`))) {
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw new ConfigError(`${FIELD}: site "${site}" needs a hex SHA-256 token hash`, { field: FIELD });
      sites.set(hash, site);
    }
    this.sites = sites;
    this.clients = new Map([...sites].map(([hash, site]) => [hash, ClientRegistry.clientIdFor(site)]));
    this.mtimeMs = mtimeMs;
  }
}
