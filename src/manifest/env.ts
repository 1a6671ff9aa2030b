import type { ResolvedRole } from './roles.js';
import type { ServerEntry } from './schema.js';

/**
 * What every server gets from the parent environment: enough to find programs and behave like a
 * normal process, nothing that carries secrets. The same list the MCP SDK's stdio client uses, plus
 * locale, time zone and temp dir, and where the machine's extra TLS certificates are (file paths,
 * not secrets): behind a proxy with its own CA, `npx -y some-server` and any server that calls an
 * HTTPS API fail without them. Proxy URLs are not passed, since they may hold credentials.
 */
export const BASE_ENV_NAMES = [
  'HOME',
  'LOGNAME',
  'PATH',
  'SHELL',
  'TERM',
  'USER',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

/**
 * The environment of a server: the base names, the names its role passes through, and its entry's
 * own `env` with `${NAME}` / `${NAME:-default}` expanded from the parent. Never the whole parent
 * environment: a tools server must not see the resources server's database password.
 */
export function serverEnvironment(
  entry: Pick<ServerEntry, 'env'>,
  role: Pick<ResolvedRole, 'env'> | undefined,
  parent: NodeJS.ProcessEnv,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV_NAMES, ...(role?.env ?? [])]) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(entry.env ?? {})) {
    env[name] = expandEnv(value, parent);
  }
  return env;
}

/** `${NAME}` or `${NAME:-default}`: group 1 the name, group 2 the default. */
export const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * The names an entry's `env` and `headers` refer to as `${NAME}` (without a default) that are not
 * set in `parent`: each silently becomes "" for the server, which is worth a warning.
 */
export function unsetEnvNames(
  entry: Pick<ServerEntry, 'env' | 'headers'>,
  parent: NodeJS.ProcessEnv,
): string[] {
  const names = new Set<string>();
  for (const value of [...Object.values(entry.env ?? {}), ...Object.values(entry.headers ?? {})]) {
    for (const [, name, fallback] of value.matchAll(ENV_REFERENCE)) {
      if (name !== undefined && fallback === undefined && (parent[name] ?? '') === '')
        names.add(name);
    }
  }
  return [...names];
}

/** Expands `${NAME}` and `${NAME:-default}`; an unset name without a default becomes "". */
export function expandEnv(value: string, parent: NodeJS.ProcessEnv): string {
  return value.replace(ENV_REFERENCE, (_, name: string, fallback: string | undefined) => {
    const found = parent[name];
    return found !== undefined && found !== '' ? found : (fallback ?? '');
  });
}
