// The prompt preview panel's messages.
import type { Protocol } from './channel';

export interface PreviewMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  tokens: number;
}

export interface PreviewProblem {
  /** 0-based, as in the editor. */
  line: number;
  character: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

export interface PreviewView {
  /** Increases with every render. */
  seq: number;
  file: string;
  /** Where the cases come from: the config that uses this prompt, or the dataset and task picked. */
  source: string;
  caseIndex: number;
  caseCount: number;
  caseId: string;
  user: string;
  expected: string;
  /** Null when the template has errors (then `problems` says why). */
  messages: PreviewMessage[] | null;
  problems: PreviewProblem[];
  totalTokens: number | null;
  model: string;
  tokenizer: string;
  /** USD; null without a known price. */
  costPerCase: number | null;
  costEval: number | null;
  /** Epoch ms of the edit that caused this render (null for navigation), and of the render itself. */
  editAt: number | null;
  renderedAt: number;
  /** Answers to this case in the latest runs of configs using this template (empty: none ran it yet). */
  answers: PreviewAnswer[];
}

/** What one model answered for the previewed case in the latest run of a config that uses this template. */
export interface PreviewAnswer {
  variant: string;
  runId: string;
  /** The run's start, in the user's locale. */
  when: string;
  outcome: 'right' | 'wrong' | 'invalid' | 'error';
  expected: string;
  /** The parsed answer in human terms, or the reason there is none. */
  predicted: string;
  raw: string | null;
  /** Opens the case view on this answer. */
  ref: { dir: string; caseId: string; variant: string; sample: number };
}

export interface PromptPreviewProtocol extends Protocol {
  requests: Record<string, never>;
  toWebview: { render: PreviewView; failed: { message: string } };
  toHost: {
    navigate: { delta?: number; caseId?: string };
    openProblem: { line: number; character: number };
    openAnswer: PreviewAnswer['ref'];
    rendered: { seq: number; at: number; editAt: number | null };
  };
}
