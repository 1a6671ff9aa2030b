import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { escapeJsonText, sanitizeText } from '../sanitize.js';

/**
 * A tool result for a terminal: each text block as it is, other blocks as one line naming what
 * they hold, then `structuredContent` as JSON unless a text block already holds the same JSON
 * (servers with an outputSchema return both). Everything the server wrote is sanitised.
 */
export function formatCallResult(result: CallToolResult): string {
  const parts = result.content.map((block) => {
    switch (block.type) {
      case 'text':
        return sanitizeText(block.text, { keepNewlines: true });
      case 'image':
      case 'audio':
        return `[${block.type} ${sanitizeText(block.mimeType)}, ${base64Bytes(block.data)} bytes]`;
      case 'resource_link':
        return `[resource link ${sanitizeText(block.uri)}]`;
      case 'resource':
        return 'text' in block.resource && typeof block.resource.text === 'string'
          ? sanitizeText(block.resource.text, { keepNewlines: true })
          : `[resource ${sanitizeText(block.resource.uri)}]`;
      default:
        return `[${sanitizeText(String((block as { type: unknown }).type))} content]`;
    }
  });
  const structured = result.structuredContent;
  if (
    structured !== undefined &&
    !result.content.some((b) => b.type === 'text' && sameJson(b.text, structured))
  ) {
    parts.push(escapeJsonText(JSON.stringify(structured, null, 2)));
  }
  return parts.join('\n');
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

function base64Bytes(data: string): number {
  return Buffer.byteLength(data, 'base64');
}
