import { readdir, readFile } from 'node:fs/promises';

/**
 * The markdown files served as resources. Resolved from this module, not the working directory,
 * so the server finds them wherever it is started from; `src/` and `dist/` are both one level down.
 */
const DATA_DIR = new URL('../data/', import.meta.url);

/** Lower-case words joined by hyphens: a slug can never name a path outside `data/`. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** What the index says about one document. */
export interface DocSummary {
  slug: string;
  uri: string;
  title: string;
  description: string;
}

export function isSlug(value: string): boolean {
  return SLUG.test(value);
}

export function docUri(slug: string): string {
  return `docs://${slug}`;
}

/**
 * Lists the documents in `data/`, read afresh on each call so that added or edited files show up
 * without a restart. `index` is left out: `docs://index` is the list itself.
 */
export async function listDocs(): Promise<DocSummary[]> {
  const slugs = (await readdir(DATA_DIR))
    .filter((file) => file.endsWith('.md'))
    .map((file) => file.slice(0, -'.md'.length))
    .filter((slug) => isSlug(slug) && slug !== 'index')
    .sort();
  return Promise.all(
    slugs.map(async (slug) => {
      const text = await readFile(new URL(`${slug}.md`, DATA_DIR), 'utf8');
      return { slug, uri: docUri(slug), ...describeDoc(text, slug) };
    }),
  );
}

/** The markdown of document `slug`, or undefined when there is none. */
export async function readDoc(slug: string): Promise<string | undefined> {
  if (!isSlug(slug)) return undefined;
  try {
    return await readFile(new URL(`${slug}.md`, DATA_DIR), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Title from the first `# ` heading, description from the first paragraph line after it. */
function describeDoc(markdown: string, slug: string): { title: string; description: string } {
  const lines = markdown.split('\n').map((line) => line.trim());
  const title = lines.find((line) => line.startsWith('# '))?.slice(2) ?? slug;
  const description = lines.find((line) => line !== '' && !line.startsWith('#')) ?? '';
  return { title, description };
}
