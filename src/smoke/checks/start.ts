import { ServerInstance, StartError } from '../../server/instance.js';
import { instanceSpec } from '../../supervisor/spec.js';
import { timed } from '../check.js';
import type { SmokeServerInput } from '../run-server.js';
import type { CheckResult, ServerReport } from '../types.js';

/**
 * The first check: the process, initialize, within the start timeout, started exactly as `mcpx dev`
 * starts it. The others need what it started; when it fails they are skipped.
 */
export async function start(
  input: SmokeServerInput,
  report: ServerReport,
  onSpawn: (instance: ServerInstance) => void,
): Promise<{ result: CheckResult; instance: ServerInstance | undefined }> {
  const { server } = input;
  let instance: ServerInstance | undefined;
  const result = await timed('start', async () => {
    const spec = await instanceSpec({
      workspace: input.workspace,
      server,
      replica: 0,
      parentEnv: input.parentEnv,
      startTimeout: server.smoke.startTimeout,
    });
    try {
      // Smoke lists the primitives as its own check (capabilities), not as part of the start.
      ({ instance } = await ServerInstance.start(
        spec,
        { onEvent: () => undefined, onSpawn, signal: input.signal },
        async () => undefined,
      ));
    } catch (error) {
      // StartError says what happened (the exit, the missing folder, the busy port, the phase
      // that ran out of time); a timeout is only one of them.
      if (error instanceof StartError) report.stderr = error.stderr.slice(-10);
      throw error;
    }
    const { serverInfo, protocolVersion } = instance.session;
    if (serverInfo !== undefined) report.serverInfo = serverInfo;
    if (protocolVersion !== undefined) report.protocolVersion = protocolVersion;
    // A `url` without a transport: the report names the one that answered.
    report.transport = instance.transport;
    const over = spec.detect ? `, ${DETECTED[instance.transport]}` : '';
    return {
      status: 'pass',
      message: `initialized in ${instance.readyMs} ms: ${serverInfo?.name ?? '?'} ${serverInfo?.version ?? '?'}, protocol ${protocolVersion ?? 'unknown'}${over}`,
    };
  });
  return { result, instance: result.status === 'pass' ? instance : undefined };
}

const DETECTED = {
  stdio: '',
  http: 'over Streamable HTTP (detected)',
  sse: 'over legacy HTTP+SSE (detected: Streamable HTTP was refused; set "type": "sse")',
} as const;
