import type { ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { parseJson } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { ListRunsResponse, RunEvent, RunStatus } from '../../shared/proto/index.js';
import { failStream, unaryHandler } from './handlers.js';
import type { AccessControl } from '../auth/index.js';
import type { RunManager } from '../rounds/index.js';

/**
 * Handlers of `fedsift.v1.Admin`, used by the CLI: every call needs the admin token when one is configured and, under
 * mutual TLS, an operator's client certificate.
 */
export function adminService(manager: RunManager, access: AccessControl, logger: Logger): UntypedServiceImplementation {
  const unexpected = (err: unknown) => logger.error({ err }, 'unexpected error in Admin handler');
  const unary = <Req, Res>(fn: (req: Req) => Res | Promise<Res>) =>
    unaryHandler((req: Req, call: ServerUnaryCall<Req, Res>) => {
      access.checkAdmin(call);
      return fn(req);
    }, unexpected);
  return {
    StartRun: unary<{ configJson: string }, RunStatus>(async (req) => {
      if (!req.configJson)
        throw new ConfigError('StartRun: config_json is empty; send a run config object ({} for all defaults)', {
          field: 'config_json',
        });
      const run = await manager.startRun(parseJson(req.configJson, 'run config'));
      logger.info({ run: run.runId }, 'run started');
      return run.status();
    }),
    GetRun: unary<{ runId: string }, RunStatus>((req) => manager.get(req.runId).status()),
    ListRuns: unary<object, ListRunsResponse>(() => ({ runs: manager.list().map((r) => r.status()) })),
    StopRun: unary<{ runId: string }, RunStatus>((req) => {
      const run = manager.get(req.runId);
      run.stop();
      return run.status();
    }),
    WatchRun(call: ServerWritableStream<{ runId: string }, RunEvent>) {
      try {
        access.checkAdmin(call);
        const run = manager.get(call.request.runId);
        const status = run.status();
        call.write({ kind: 'RUN_EVENT_KIND_UNSPECIFIED', status, round: null, roundNumber: status.currentRound });
        if (run.isFinished) return call.end();
        const onEvent = (e: RunEvent) => {
          call.write(e);
          if (e.kind === 'RUN_EVENT_KIND_RUN_FINISHED') {
            run.off('event', onEvent);
            call.end();
          }
        };
        run.on('event', onEvent);
        call.on('cancelled', () => run.off('event', onEvent));
      } catch (err) {
        failStream(call, err, unexpected);
      }
    },
  };
}
