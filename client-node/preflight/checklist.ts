/** How a check ended: passed, failed, or skipped (not applicable, or a check it needs did not pass). */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of `fedsift preflight`. */
export interface CheckResult {
  /** Short name of the check (`coordinator`, `tls`, `token`, …). */
  name: string;
  status: CheckStatus;
  /** What was found; for a failure, also what to do. */
  detail: string;
  /** Exit code a failure stands for (README "CLI": 2 config or data, 3 unreachable, 4 refused, 1 other); 0 otherwise. */
  exitCode: number;
}

/** What a check function returns: pass with a value later checks use, fail with its exit code, or skip. */
export type Outcome<T> =
  | { status: 'pass'; detail: string; value: T }
  | { status: 'fail'; detail: string; exitCode: number }
  | { status: 'skip'; detail: string };

/** A passed check, with the value later checks build on. */
export function passed<T>(detail: string, value: T): Outcome<T> {
  return { status: 'pass', detail, value };
}

/** A failed check; `exitCode` is the code of the whole preflight when it is the first failure. */
export function failed(detail: string, exitCode: number): Outcome<never> {
  return { status: 'fail', detail, exitCode };
}

/** A check with nothing to check (e.g. NATS when no --nats-url is given). */
export function skipped(detail: string): Outcome<never> {
  return { status: 'skip', detail };
}

/**
 * Runs checks in order, each once, and keeps their results. A check whose prerequisites did not pass is skipped,
 * naming them, instead of running against what is known to be broken; one that throws fails with the error's message
 * (exit code 1), so a broken check never ends the others.
 */
export class Checklist {
  readonly results: CheckResult[] = [];

  /** @param onResult called with each result as soon as its check ends (the CLI prints it). */
  constructor(private readonly onResult: (r: CheckResult) => void = () => {}) {}

  /**
   * Runs `check` unless one of the checks named in `needs` did not pass.
   * @returns the value of a passed check, else undefined.
   */
  async run<T>(name: string, needs: string[], check: () => Outcome<T> | Promise<Outcome<T>>): Promise<T | undefined> {
    const blocked = needs.filter((n) => this.results.find((r) => r.name === n)?.status !== 'pass');
    let outcome: Outcome<T>;
    if (blocked.length) outcome = skipped(`skipped: needs ${blocked.join(' and ')} to pass`);
    else {
      try {
        outcome = await check();
      } catch (err) {
        outcome = failed(`unexpected error: ${(err as Error).message}`, 1);
      }
    }
    const result = {
      name,
      status: outcome.status,
      detail: outcome.detail,
      exitCode: outcome.status === 'fail' ? outcome.exitCode : 0,
    };
    this.results.push(result);
    this.onResult(result);
    return outcome.status === 'pass' ? outcome.value : undefined;
  }

  /** 0 when no check failed, else the exit code of the first failure. */
  get exitCode(): number {
    return this.results.find((r) => r.status === 'fail')?.exitCode ?? 0;
  }
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', skip: '-' };

/** Width of the name column: the longest check name. */
const NAME_WIDTH = 11;

/** One output line: `✓ coordinator 127.0.0.1:50051 accepts TCP connections`. */
export function formatCheck(r: CheckResult): string {
  return `${MARKS[r.status]} ${r.name.padEnd(NAME_WIDTH)} ${r.detail}`;
}

/** The closing line: every check passed (skipped ones counted apart), or which failed. */
export function formatSummary(results: readonly CheckResult[]): string {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s);
  const fails = count('fail'),
    skips = count('skip');
  const skippedNote = skips.length ? `; skipped: ${skips.map((r) => r.name).join(', ')}` : '';
  if (!fails.length) return `all checks passed (${count('pass').length} passed${skippedNote})`;
  return `${fails.length} of ${results.length} checks failed (${fails.map((r) => r.name).join(', ')}${skippedNote})`;
}
