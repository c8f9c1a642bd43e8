// The built-in templates, one per task form, used by the default configs as "builtin:<form>". The same text is
// shipped as templates/<form>.prompt for users to copy; a unit test keeps the two identical. The JSON answer
// keys match src/core/scoring/parse.ts: rating, like (+ probability), choice, ranking.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskForm } from '../types';
import { parsePromptFile, type ParsedPrompt } from './parse';

const HISTORY = `{% if dataset.kind == "explicit" -%}
Here are the {{ history.size }} most recent ratings of user {{ user.id }} on a scale of {{ task.scale.min }} to {{ task.scale.max }} stars, oldest first:
{%- else -%}
Here are the {{ history.size }} items user {{ user.id }} played, with their play counts:
{%- endif %}
{%- for h in history %}
- {{ h.title }}{% if h.genres.size > 0 %} [{{ h.genres | join: ", " }}]{% endif %}: {% if dataset.kind == "explicit" %}{{ h.value }} stars{% else %}{{ h.value }} plays{% endif %}{% if h.date %} ({{ h.date }}){% endif %}
{%- endfor %}`;

const SYSTEM = `system:
You predict the behaviour of one specific person from their own history on {{ dataset.name }}. Base your answer on that history: the genres and kinds of items they favour or avoid, {% if dataset.kind == "explicit" %}how generous their ratings are overall, {% endif %}and how their taste has moved recently. General popularity matters only as far as it fits this person. Always finish with the JSON object asked for and nothing after it.`;

const CANDIDATES = `{%- for c in candidates %}
{{ c.label }}. {{ c.title }}{% if c.genres.size > 0 %} [{{ c.genres | join: ", " }}]{% endif %}
{%- endfor %}`;

export const builtinTemplates: Record<TaskForm, string> = {
  rating: `---
name: builtin-rating
description: Predict the star rating a user gives an item, from their recent ratings.
forms: [rating]
answer: '{"rating": number}'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

How would user {{ user.id }} rate this item?
- {{ target.title }}{% if target.genres.size > 0 %} [{{ target.genres | join: ", " }}]{% endif %}

Answer with a JSON object only, e.g. {"rating": 3.5}, where the rating is between {{ task.scale.min }} and {{ task.scale.max }} in steps of {{ task.scale.step }}.
`,
  binary: `---
name: builtin-binary
description: Predict whether a user likes an item, from their recent history.
forms: [binary]
answer: '{"like": true | false, "probability": number between 0 and 1}'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

Will user {{ user.id }} like this item?
- {{ target.title }}{% if target.genres.size > 0 %} [{{ target.genres | join: ", " }}]{% endif %}

{% if dataset.kind == "explicit" -%}
"Like" means a rating of {{ task.likeThreshold }} stars or more.
{%- else -%}
"Like" means it is among the top {{ task.topShare | times: 100 | round }}% of this user's items by play count.
{%- endif %}
Answer with a JSON object only, e.g. {"like": true, "probability": 0.7}, where "probability" is your probability (0 to 1) that the user likes it.
`,
  choice: `---
name: builtin-choice
description: Predict which of K candidate items the user interacted with next.
forms: [choice]
answer: '{"choice": "<label>"}'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

Exactly one of these {{ task.K }} candidates is the item user {{ user.id }} {% if dataset.kind == "explicit" %}rated next{% else %}also played{% endif %}; the others were picked at random:${CANDIDATES}

Which one is it? Answer with a JSON object only: {"choice": "<label>"}, where <label> is one of {{ task.labels | join: ", " }}.
`,
  ranking: `---
name: builtin-ranking
description: Rank K candidate items by how likely the user is to interact with each next.
forms: [ranking]
answer: '{"ranking": ["<label>", …]} with every label once, most likely first'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

Here are {{ task.K }} candidate items; one of them is the item user {{ user.id }} {% if dataset.kind == "explicit" %}rated next{% else %}also played{% endif %}:${CANDIDATES}

Rank all {{ task.K }} candidates from most to least likely to be that item. Answer with a JSON object only: {"ranking": ["<label>", "<label>", …]}, listing each of the labels {{ task.labels | join: ", " }} exactly once, most likely first.
`,
};

const BUILTIN = /^builtin:(.+)$/;

/** A template reference from a config: "builtin:<form>" or a path relative to `baseDir`. */
export function readPromptTemplate(ref: string, baseDir: string): { file: string; text: string } {
  const m = BUILTIN.exec(ref);
  if (m) {
    const text = builtinTemplates[m[1] as TaskForm];
    if (!text || !Object.prototype.hasOwnProperty.call(builtinTemplates, m[1]!)) {
      throw new Error(
        `unknown built-in template "${ref}" (builtin:rating, builtin:binary, builtin:choice, builtin:ranking)`,
      );
    }
    return { file: ref, text };
  }
  const file = path.resolve(baseDir, ref);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read prompt template ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { file, text };
}

/** Reads and parses a template reference; check `promptDiagnostics(result)` before rendering. */
export function loadPromptTemplate(ref: string, baseDir: string): ParsedPrompt {
  const { file, text } = readPromptTemplate(ref, baseDir);
  return parsePromptFile(text, file);
}
