// The case view's messages: one case of a run, rendered read-only (messages as sent, raw answer, expected against
// predicted with titles, candidates marked, score and reason), with next/previous failure.
import type { Protocol } from './channel';

export interface CaseCandidateView {
  label: string;
  title: string;
  genres: string;
  /** The true item. */
  expected: boolean;
  /** The one the answer chose (choice), or its position in the answer's order (ranking, 1-based). */
  chosen: boolean;
  rank: number | null;
}

export interface CaseViewData {
  runId: string;
  caseId: string;
  variant: string;
  sample: number;
  user: string;
  outcome: 'success' | 'invalid' | 'error';
  /** Why it counts as failed, or null for a right answer. */
  failure: 'wrong' | 'invalid' | 'error' | null;
  reason: string | null;
  /** The messages exactly as sent (none for a baseline). */
  messages: { role: string; content: string }[];
  raw: string | null;
  expected: string;
  predicted: string | null;
  target: { title: string; genres: string } | null;
  candidates: CaseCandidateView[];
  score: { key: string; value: string }[];
  facts: { label: string; value: string }[];
  /** Where this case sits among the variant's failures (null when it is not one). */
  position: { index: number; total: number } | null;
}

export interface CaseViewProtocol extends Protocol {
  requests: {
    navigate: { params: { delta: 1 | -1 }; result: void };
    action: { params: { action: 'rerun' | 'preview' | 'results' }; result: void };
  };
  toWebview: { show: CaseViewData; error: { message: string } };
  toHost: { rendered: { caseId: string; variant: string; at: number } };
}
