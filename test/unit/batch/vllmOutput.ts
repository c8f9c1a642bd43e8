// Output lines as `vllm run-batch` writes them, for tests that import a hand-made batch output.
import { readFileSync } from 'node:fs';

/** The custom ids of an exported requests file, in file order. */
export function exportedIds(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
}

/** A line answering `customId` with a chat completion whose text is `content`. */
export function vllmAnswer(customId: string, content: string): string {
  return JSON.stringify({
    custom_id: customId,
    response: {
      status_code: 200,
      body: { choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] },
    },
    error: null,
  });
}

/** A line for a request vLLM could not run: no response, an error string. */
export function vllmFailure(customId: string, error: string): string {
  return JSON.stringify({ custom_id: customId, response: null, error });
}
