// The dataset statistics panel's messages.
import type { Protocol } from './channel';

export interface StatsView {
  title: string;
  path: string;
  format: string;
  rows: { label: string; value: string }[];
  histogram: { label: string; count: number }[];
  popular: { title: string; count: number }[];
  loadMs: number;
}

export interface StatsPanelProtocol extends Protocol {
  requests: Record<string, never>;
  toWebview: { show: StatsView; error: { message: string } };
  toHost: { rendered: { at: number; rows: number } };
}
