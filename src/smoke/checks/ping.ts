import type { SmokeCheck } from '../check.js';

/** `ping` is answered. */
export const ping: SmokeCheck = {
  name: 'ping',
  async run({ instance }) {
    await instance.ping(5000);
    return { status: 'pass', message: 'answered' };
  },
};
