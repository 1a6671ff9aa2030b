import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { McpxError } from '../errors.js';

/**
 * The gateway's bearer token lives in `<root>/.mcpx/gateway-token`: one line, mode 0600, created by
 * the first `mcpx dev` and kept across runs, so a client configured once (Claude Code's headers,
 * `mcpx connect`) keeps working after mcpx dev restarts.
 */
export function gatewayTokenFile(root: string): string {
  return join(root, '.mcpx', 'gateway-token');
}

/** What `gatewayToken` found or made; `warning` says what it had to repair, for the terminal. */
export interface GatewayToken {
  token: string;
  warning?: string;
}

/** 32 random bytes are 43 base64url characters; a token written by hand must be as strong. */
const TOKEN = /^[A-Za-z0-9_-]{43,512}$/;

/** Whether `token` (MCPX_GATEWAY_TOKEN, a Kubernetes Secret) is as strong as a token mcpx makes. */
export function isStrongToken(token: string): boolean {
  return TOKEN.test(token);
}

/**
 * The workspace's gateway token, created on first use. Two `mcpx dev` racing to create it end
 * with the same token: the file appears complete or not at all (a hard link of a finished
 * temporary file, which fails with EEXIST if another got there first), and the loser reads the
 * winner's. A file that group or others may read is tightened to 0600, with a warning.
 * Throws McpxError (exit 2) for an empty or malformed file.
 */
export async function gatewayToken(root: string): Promise<GatewayToken> {
  const file = gatewayTokenFile(root);
  const found = await readTokenFile(file, 'tighten');
  if (found !== undefined) return found;
  await mkdir(join(root, '.mcpx'), { recursive: true });
  const token = randomBytes(32).toString('base64url');
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // The mode is given at creation: no moment where the token is readable by others.
    await writeNew(temp, `${token}\n`);
    await link(temp, file);
    return { token };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readTokenFile(file, 'tighten');
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * The workspace's gateway token for a client (`mcpx connect`, `call`, `tools`, `status --json`):
 * undefined when there is none yet. Never creates or changes the file.
 */
export async function readGatewayToken(root: string): Promise<string | undefined> {
  return (await readTokenFile(gatewayTokenFile(root), 'leave'))?.token;
}

async function writeNew(file: string, content: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The token in `file`, undefined when the file does not exist. */
async function readTokenFile(
  file: string,
  loose: 'tighten' | 'leave',
): Promise<GatewayToken | undefined> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a symlink planted in .mcpx must not make mcpx read, or chmod, another file.
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw malformed(file, 'it is a symbolic link');
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw malformed(file, 'it is not a regular file');
    let warning: string | undefined;
    const mode = info.mode & 0o777;
    if ((mode & 0o077) !== 0 && loose === 'tighten') {
      try {
        await handle.chmod(0o600);
      } catch (error) {
        throw new McpxError(
          `${file} can be read by other users (mode ${octal(mode)}), and mcpx could not make it 0600.`,
          {
            hint: `run \`chmod 600 ${file}\` as its owner, or delete it to get a new token`,
            cause: error,
          },
        );
      }
      warning = `${file} could be read by other users (mode ${octal(mode)}); mcpx made it 0600. If anyone else may have read it, delete it and restart mcpx dev to get a new token.`;
    }
    const text = await handle.readFile('utf8');
    const token = text.endsWith('\n') ? text.slice(0, -1) : text;
    if (token.length === 0) throw malformed(file, 'it is empty');
    if (!TOKEN.test(token)) {
      throw malformed(
        file,
        'it does not hold one line of at least 43 base64url characters (A-Z, a-z, 0-9, "-", "_")',
      );
    }
    return warning === undefined ? { token } : { token, warning };
  } finally {
    await handle.close();
  }
}

function malformed(file: string, why: string): McpxError {
  return new McpxError(`The gateway token file ${file} is unusable: ${why}.`, {
    hint: `delete it to get a new token (\`rm ${file}\`, then start mcpx dev); clients configured with the old token need the new one`,
  });
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
