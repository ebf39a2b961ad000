import { EventEmitter } from 'node:events';
import type { Logger } from '../../shared/logging/index.js';
import type { FencingToken, PgDatabase } from '../store/index.js';
import type { Leadership } from './leadership.js';

/** Settings of a {@link PgLeadership}. */
export interface PgLeadershipOptions {
  /** This coordinator's id (the lease's holder). */
  holder: string;
  /** The gRPC address clients reach this coordinator at (host:port), shown by standbys as the leader's. */
  address: string;
  /** A lease not renewed for this long may be taken by a standby (ms). @default 10000 */
  leaseMs: number;
  logger: Logger;
}

/**
 * SPINE STUB (helper B implements). Leader election on the `leader_lease` row of a migrated fedsift schema.
 * See /tmp/design21.md.
 */
export class PgLeadership extends EventEmitter<{ elected: []; lost: [reason: string] }> implements Leadership {
  readonly isLeader = false;
  constructor(_db: PgDatabase, _options: PgLeadershipOptions) {
    super();
  }
  token(): FencingToken | null {
    throw new Error('spine stub');
  }
  leaderAddress(): string {
    throw new Error('spine stub');
  }
  start(): void {
    throw new Error('spine stub');
  }
  close(): Promise<void> {
    throw new Error('spine stub');
  }
}
