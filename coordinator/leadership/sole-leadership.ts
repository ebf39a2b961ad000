import { EventEmitter } from 'node:events';
import type { Leadership } from './leadership.js';

/** The leadership of a coordinator that is alone (SQLite state, or none): it leads from start to close. */
export class SoleLeadership extends EventEmitter<{ elected: []; lost: [reason: string] }> implements Leadership {
  private leading = false;

  get isLeader(): boolean {
    return this.leading;
  }

  token(): null {
    return null;
  }

  leaderAddress(): string {
    return '';
  }

  async start(): Promise<void> {
    this.leading = true;
    this.emit('elected');
  }

  /** Gives the lead up (a run's state could not be written, or its runs could not be loaded); start() takes it again. */
  resign(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.emit('lost', reason);
  }

  async close(): Promise<void> {
    this.leading = false;
  }
}
