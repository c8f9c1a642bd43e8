// The pieces the built-in templates share (each form's template is in its own module). The same text is shipped
// as templates/<form>.prompt for users to copy; a unit test keeps the two identical.
export const HISTORY = `{% if dataset.kind == "explicit" -%}
Here are the {{ history.size }} most recent ratings of user {{ user.id }} on a scale of {{ task.scale.min }} to {{ task.scale.max }} stars, oldest first:
{%- else -%}
Here are the {{ history.size }} items user {{ user.id }} played, with their play counts:
{%- endif %}
{%- for h in history %}
- {{ h.title }}{% if h.genres.size > 0 %} [{{ h.genres | join: ", " }}]{% endif %}: {% if dataset.kind == "explicit" %}{{ h.value }} stars{% else %}{{ h.value }} plays{% endif %}{% if h.date %} ({{ h.date }}){% endif %}
{%- endfor %}`;

export const SYSTEM = `system:
You predict the behaviour of one specific person from their own history on {{ dataset.name }}. Base your answer on that history: the genres and kinds of items they favour or avoid, {% if dataset.kind == "explicit" %}how generous their ratings are overall, {% endif %}and how their taste has moved recently. General popularity matters only as far as it fits this person. Always finish with the JSON object asked for and nothing after it.`;

export const CANDIDATES = `{%- for c in candidates %}
{{ c.label }}. {{ c.title }}{% if c.genres.size > 0 %} [{{ c.genres | join: ", " }}]{% endif %}
{%- endfor %}`;
