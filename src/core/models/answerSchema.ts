// The JSON schema of a case's answer, sent by providers that can enforce an answer's shape (OpenAI's
// response_format json_schema, Anthropic's forced tool). Strict: every field required, nothing else allowed.
import type { TestCase } from '../types';

export function answerJsonSchema(testCase: TestCase): { name: string; schema: Record<string, unknown> } {
  const labels = testCase.candidates?.map((c) => c.label) ?? [];
  const obj = (properties: Record<string, unknown>) => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });
  const label = labels.length ? { type: 'string', enum: labels } : { type: 'string' };
  switch (testCase.form) {
    case 'rating':
      return { name: 'rating_answer', schema: obj({ rating: { type: 'number' } }) };
    case 'binary':
      return { name: 'binary_answer', schema: obj({ like: { type: 'boolean' } }) };
    case 'choice':
      return { name: 'choice_answer', schema: obj({ choice: label }) };
    case 'ranking':
      return { name: 'ranking_answer', schema: obj({ ranking: { type: 'array', items: label } }) };
  }
}
