// The JSON schema of a case's answer, sent by providers that can enforce an answer's shape (OpenAI's
// response_format json_schema, Anthropic's forced tool). Strict: every field required, nothing else allowed.
// The case's task form defines it (src/core/forms).
import { getForm } from '../forms';
import type { TestCase } from '../types';

export function answerJsonSchema(testCase: TestCase): { name: string; schema: Record<string, unknown> } {
  return getForm(testCase.form).answerSchema(testCase);
}
