import type { SmokeCheck } from '../check.js';

/** The server exits within smoke.stopTimeout of stdin closing and SIGTERM. */
export const stop: SmokeCheck = {
  name: 'stop',
  async run({ input, instance }) {
    const server = instance.process;
    if (server === undefined) {
      await instance.stop();
      return { status: 'skip', message: 'a remote server: mcpx does not stop it' };
    }
    const { stopTimeout } = input.server.smoke;
    const t = performance.now();
    // The server's own exit: ending what it left running afterwards is not its stop time.
    const exitedAt = server.exited.then(() => performance.now());
    const step = await instance.stop({
      graceMs: Math.round(stopTimeout / 2),
      termMs: stopTimeout - Math.round(stopTimeout / 2),
    });
    const ms = Math.round((await exitedAt) - t);
    const left =
      instance.leftovers === 0
        ? ''
        : `; then mcpx stopped ${instance.leftovers} process${instance.leftovers === 1 ? '' : 'es'} it had started and left running`;
    return step === 'SIGKILL'
      ? {
          status: 'fail',
          message: `did not exit within ${stopTimeout} ms of stdin closing and SIGTERM; killed it${left}`,
        }
      : {
          status: 'pass',
          message: `exited in ${ms} ms after ${step === 'stdin' ? 'stdin closed' : 'SIGTERM'}${left}`,
        };
  },
};
