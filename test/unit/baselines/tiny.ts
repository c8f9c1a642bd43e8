// Tiny Interactions and TestCases built in code for the baseline tests (values chosen so the expected
// predictions can be worked out by hand in the tests' comments).
import type {
  Candidate,
  FeedbackKind,
  Interactions,
  TaskForm,
  TestCase,
  ValueScale,
} from '../../../src/core/types';

/** [user id, item id, value, trained?] */
export type Row = [string, string, number, boolean?];

export function makeData(
  rows: Row[],
  kind: FeedbackKind = 'explicit',
  scale: ValueScale | null = { min: 1, max: 5, step: 1 },
): { data: Interactions; mask: Uint8Array } {
  const users: string[] = [];
  const items: string[] = [];
  const intern = (list: string[], id: string) => {
    const k = list.indexOf(id);
    return k >= 0 ? k : list.push(id) - 1;
  };
  const user = Int32Array.from(rows, (r) => intern(users, r[0]));
  const item = Int32Array.from(rows, (r) => intern(items, r[1]));
  const data: Interactions = {
    name: 'tiny',
    format: 'generic',
    kind,
    scale: kind === 'explicit' ? scale : null,
    userIds: users,
    itemIds: items,
    items: items.map((id) => ({ title: `Item ${id}`, genres: [] })),
    n: rows.length,
    user,
    item,
    value: Float64Array.from(rows, (r) => r[2]),
    time: null,
  };
  const mask = Uint8Array.from(rows, (r) => (r[3] === false ? 0 : 1));
  return { data, mask };
}

/** A case about one target item (rating, binary) or several candidates (choice, ranking; target first). */
export function makeCase(id: string, form: TaskForm, user: string, items: string[], value = 0): TestCase {
  const target = { item: items[0], title: `Item ${items[0]}`, genres: [] };
  const tc: TestCase = {
    id,
    form,
    user,
    historyLength: 0,
    history: [],
    target,
    expected:
      form === 'rating'
        ? { form, value }
        : form === 'binary'
          ? { form, like: false, value }
          : { form, label: 'A' },
    targetPopularity: 0,
  };
  if (form === 'choice' || form === 'ranking') {
    tc.candidates = items.map((item, k): Candidate => ({
      item,
      title: `Item ${item}`,
      genres: [],
      label: String.fromCharCode(65 + k),
    }));
  }
  return tc;
}
