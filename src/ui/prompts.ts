/**
 * Prompts on stderr (stdout stays data). Loaded lazily: inquirer is not needed for most runs.
 */
export async function askText(
  message: string,
  validate?: (value: string) => string | true,
): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return input(
    { message, required: true, ...(validate ? { validate } : {}) },
    { output: process.stderr },
  );
}

export async function askSelect<T extends string>(
  message: string,
  choices: readonly { value: T; name: string; description?: string }[],
  defaultValue?: T,
): Promise<T> {
  const { select } = await import('@inquirer/prompts');
  return select<T>(
    {
      message,
      choices: [...choices],
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    },
    { output: process.stderr },
  );
}
