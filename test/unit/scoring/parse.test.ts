import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnswer, type ParseContext } from '../../../src/core/scoring/parse';
import type { Prediction, TaskForm } from '../../../src/core/types';

const scale = { min: 0.5, max: 5, step: 0.5 };
const labels5 = ['A', 'B', 'C', 'D', 'E'];
const ctx: ParseContext = { scale, labels: labels5 };

function ok(raw: string, form: TaskForm, expected: Prediction, c: ParseContext = ctx): void {
  const r = parseAnswer(raw, form, c);
  assert.ok(r.ok, `expected ${JSON.stringify(raw)} to parse, got: ${r.ok ? '' : r.reason}`);
  assert.deepEqual(r.prediction, expected);
}
function invalid(raw: string, form: TaskForm, reason: RegExp, c: ParseContext = ctx): void {
  const r = parseAnswer(raw, form, c);
  assert.equal(r.ok, false, `expected ${JSON.stringify(raw)} to be invalid, got ${JSON.stringify(r)}`);
  if (!r.ok) assert.match(r.reason, reason);
}

test('rating: JSON in many wrappings', () => {
  const v = (value: number): Prediction => ({ form: 'rating', value });
  ok('{"rating": 4}', 'rating', v(4));
  ok('{"rating": 3.5}', 'rating', v(3.5));
  ok('```json\n{ "rating": 4.5 }\n```', 'rating', v(4.5));
  ok('Sure! Based on the history, here is my prediction:\n{"rating": 2}\nHope this helps.', 'rating', v(2));
  ok('{"Rating": "4.0"}', 'rating', v(4));
  ok("{'rating': 3}", 'rating', v(3));
  ok('{rating: 3, }', 'rating', v(3));
  ok('<think>The user likes dramas {maybe 5}</think>\n{"rating": 4}', 'rating', v(4));
  // Two JSON answers that disagree are no answer (issue 12): which one would count?
  invalid(
    'Example: {"rating": 1}. My answer: {"rating": 4.5}',
    'rating',
    /2 JSON answers in one reply disagree/,
  );
  ok('{"rating": 4.5} … so, again: {"rating": 4.5}', 'rating', v(4.5)); // a repeat of one answer is fine
  ok('{"reasoning": "liked {similar} films", "rating": 3.7}', 'rating', v(3.7)); // kept, not snapped
});

test('rating: bare fallbacks', () => {
  const v = (value: number): Prediction => ({ form: 'rating', value });
  ok('4', 'rating', v(4));
  ok(' 3.5\n', 'rating', v(3.5));
  ok('**4.5**', 'rating', v(4.5));
  ok('Rating: 4', 'rating', v(4));
  ok('4/5', 'rating', v(4));
  ok('4 stars.', 'rating', v(4));
  ok('The user has enjoyed similar comedies.\n\n3.5', 'rating', v(3.5));
  ok('Given the history, my rating is 4.5.', 'rating', v(4.5));
});

test('rating: invalid answers say why', () => {
  invalid('{"rating": 7}', 'rating', /outside the scale 0.5..5/);
  invalid('{"rating": "four"}', 'rating', /invalid "rating"/);
  invalid('I think 3 or maybe 4', 'rating', /no JSON object with a "rating" key/);
  invalid('', 'rating', /empty answer/);
  invalid('<think>still thinking', 'rating', /only a <think> block/);
  invalid('{"score": 4}', 'rating', /lacks the "rating" key \(keys: score\)/);
  invalid('0', 'rating', /outside the scale/);
  ok('12', 'rating', { form: 'rating', value: 12 }, { scale: null }); // implicit data: no scale
  invalid('-1', 'rating', /negative/, { scale: null });
});

test('binary: JSON and fallbacks', () => {
  ok('{"like": true}', 'binary', { form: 'binary', like: true });
  ok('{"like": false, "probability": 0.2}', 'binary', { form: 'binary', like: false, probability: 0.2 });
  ok('{"like": "yes", "probability": "0.9"}', 'binary', { form: 'binary', like: true, probability: 0.9 });
  ok("{'like': True, 'probability': None}", 'binary', { form: 'binary', like: true });
  ok('Yes', 'binary', { form: 'binary', like: true });
  ok('no.', 'binary', { form: 'binary', like: false });
  ok('**TRUE**', 'binary', { form: 'binary', like: true });
  ok('Answer: false', 'binary', { form: 'binary', like: false });
  ok('Yes, the user would enjoy it.', 'binary', { form: 'binary', like: true });
  ok('No. They avoid horror films.\nConfidence: low', 'binary', { form: 'binary', like: false });
  invalid('Not sure about this one.', 'binary', /yes\/no/);
  invalid('{"like": true, "probability": 1.5}', 'binary', /invalid "probability"/);
  invalid('{"like": "maybe"}', 'binary', /invalid "like"/);
  invalid('Probably, it depends.', 'binary', /yes\/no/);
});

test('choice: JSON and fallbacks, labels checked', () => {
  const c = (label: string): Prediction => ({ form: 'choice', label });
  ok('{"choice": "C"}', 'choice', c('C'));
  ok('{"choice": "c"}', 'choice', c('C'));
  ok('{"choice": "(B)"}', 'choice', c('B'));
  ok('{"choice": "D) The Matrix (1999)"}', 'choice', c('D'));
  ok('{"choice": "Option E"}', 'choice', c('E'));
  ok('```\n{"choice":"A"}\n```', 'choice', c('A'));
  ok('B', 'choice', c('B'));
  ok('(C).', 'choice', c('C'));
  ok('Answer: D', 'choice', c('D'));
  ok('The user watched many thrillers recently.\nThe answer is E.', 'choice', c('E'));
  ok('C. Movie 3 (1999)', 'choice', c('C'));
  ok('(B) Heat', 'choice', c('B'));
  invalid('I like A lot of these.', 'choice', /single candidate letter/);
  invalid('A lot of these look good.', 'choice', /single candidate letter/);
  invalid('{"choice": "F"}', 'choice', /"F" is not one of the labels A..E/);
  invalid('{"choice": "The Matrix"}', 'choice', /not one of the labels/);
  invalid('I would go with the comedy.', 'choice', /single candidate letter/);
  invalid('{"choice": 3}', 'choice', /invalid "choice"/);
});

test('ranking: JSON, partial lists, fallbacks', () => {
  const r = (...order: string[]): Prediction => ({ form: 'ranking', order });
  ok('{"ranking": ["C", "A", "E", "B", "D"]}', 'ranking', r('C', 'A', 'E', 'B', 'D'));
  ok('{"ranking": ["c", "(a)", "E) Heat"]}', 'ranking', r('C', 'A', 'E')); // partial: the top of the order
  ok('Here you go:\n```json\n{"ranking": ["B","A","C","D","E"]}\n```', 'ranking', r('B', 'A', 'C', 'D', 'E'));
  ok('C, A, B, E, D', 'ranking', r('C', 'A', 'B', 'E', 'D'));
  ok('C > A > B', 'ranking', r('C', 'A', 'B'));
  ok('["D","E"]', 'ranking', r('D', 'E'));
  ok('My ranking:\n1. C - Heat\n2. A\n3) B', 'ranking', r('C', 'A', 'B'));
  ok('{"ranking": ["C", "A", "C"]}', 'ranking', r('C', 'A')); // a repeated label keeps its first place
  invalid('{"ranking": ["C", "Z"]}', 'ranking', /"Z", not one of the labels/);
  invalid('{"ranking": []}', 'ranking', /invalid "ranking"/);
  ok('{"ranking": "C, A"}', 'ranking', r('C', 'A')); // one string is split
  invalid('I cannot rank these.', 'ranking', /declined to answer/);
  invalid('These all look alike to me.', 'ranking', /list of candidate letters/);
});

test('labels beyond Z and no label list', () => {
  const labels = Array.from({ length: 30 }, (_, i) =>
    i < 26 ? String.fromCharCode(65 + i) : `A${String.fromCharCode(65 + i - 26)}`,
  );
  ok('{"choice": "AC"}', 'choice', { form: 'choice', label: 'AC' }, { labels });
  ok('{"choice": "q"}', 'choice', { form: 'choice', label: 'Q' }, {});
});
