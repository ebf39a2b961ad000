import { existsSync, statSync } from 'node:fs';
import { readJsonFile } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { ClientRegistry } from '../clients/index.js';

/** How often, at most, the file is looked at for a known token (ms). */
const RECHECK_MS = 1_000;
const FIELD = 'auth.clientTokensFile';

/** Token hash → site id, and token hash → the client id of that site. */
interface Enrolment {
  sites: Map<string, string>;
  clients: Map<string, string>;
}

/**
 * The enrolment file (`{"<site id>": "<hex SHA-256 of its token>"}`, written by `fedsift enrol`), re-read when it
 * changes — looked at no more than once a second for known tokens, and at once for an unknown one (a site enrolled a
 * moment ago) — so enrolling a site, or deleting its line to revoke its token, takes effect without restarting the
 * coordinator. A version that cannot be read is reported once to `onReloadError` and the enrolment read before stays
 * in force (also when the file is deleted).
 */
export class EnrolmentFile {
  private enrolment: Enrolment;
  /** Identity (inode, size, mtime) of the file version last looked at, whether it loaded or not. */
  private seen: string;
  private checkedMs = 0;

  /** @throws {ConfigError} naming auth.clientTokensFile when the file is missing or malformed (at start). */
  constructor(
    private readonly path: string,
    private readonly onReloadError: (err: Error) => void,
  ) {
    this.seen = this.version();
    this.enrolment = this.load();
  }

  /** The site whose token has this hash, if enrolled. */
  siteOf(hash: string): string | undefined {
    return this.lookup((e) => e.sites.get(hash));
  }

  /** The client id of the site whose token has this hash, if enrolled. */
  clientOf(hash: string): string | undefined {
    return this.lookup((e) => e.clients.get(hash));
  }

  private lookup(find: (e: Enrolment) => string | undefined): string | undefined {
    const now = Date.now();
    if (now - this.checkedMs >= RECHECK_MS) this.refresh(now);
    const found = find(this.enrolment);
    if (found !== undefined) return found;
    this.refresh(now);
    return find(this.enrolment);
  }

  private refresh(now: number): void {
    this.checkedMs = now;
    const version = this.version();
    if (version === this.seen) return;
    this.seen = version;
    try {
      this.enrolment = this.load();
    } catch (err) {
      this.onReloadError(err as Error);
    }
  }

  /** What identifies a version of the file: `fedsift enrol` replaces it by rename (new inode); editors change size or mtime. */
  private version(): string {
    try {
      const s = statSync(this.path, { throwIfNoEntry: false });
      return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'missing';
    } catch (err) {
      return `unreadable: ${(err as Error).message}`;
    }
  }

  /** @throws {ConfigError} when the file is missing or malformed. */
  private load(): Enrolment {
    if (!existsSync(this.path))
      throw new ConfigError(`${FIELD}: ${this.path} does not exist (create it with \`fedsift enrol\`)`, {
        field: FIELD,
      });
    const sites = new Map<string, string>();
    for (const [site, hash] of Object.entries(readJsonFile(this.path, `enrolment file (${FIELD})`))) {
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
        throw new ConfigError(`${FIELD}: site "${site}" needs a hex SHA-256 token hash`, { field: FIELD });
      sites.set(hash, site);
    }
    return { sites, clients: new Map([...sites].map(([hash, site]) => [hash, ClientRegistry.clientIdFor(site)])) };
  }
}
