import { describe, expect, it } from 'vitest';
import { kubernetesName, serverImage } from '../../src/k8s/names.js';

describe('kubernetesName', () => {
  it.each([
    ['docs', 'docs'],
    ['text-kit', 'text-kit'],
    ['text_kit', 'text-kit'],
    ['9lives', 's-9lives'],
    ['1_a-b_c', 's-1-a-b-c'],
  ])('%s -> %s', (name, expected) => {
    expect(kubernetesName(name)).toBe(expected);
    expect(expected).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(serverImage(name)).toBe(`mcpx-${expected}`);
  });
});
