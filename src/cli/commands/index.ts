// Every `ubp` sub-command, in the order `ubp help` lists them: its name, summary and usage here (so `ubp help`
// loads nothing else), its code in its own file, imported only when it runs. The bundle makes each import() a
// chunk of its own, so `ubp run` never evaluates the batch, download, preview or compare code. This file imports
// nothing from the engine: a usage that lists engine names spells them out, and test/unit/cli/help.test.ts
// checks them against the engine.
import type { CliCommand } from '../command';

export const commands: CliCommand[] = [
  {
    name: 'version',
    summary: 'Print the engine version',
    usage: 'ubp version',
    load: async () => (await import('./version')).versionCommand,
  },
  {
    name: 'schema',
    summary: 'Print the JSON schema of *.ubp.json eval configs',
    usage: 'ubp schema [--out FILE]',
    load: async () => (await import('./schema')).schemaCommand,
  },
  {
    name: 'run',
    summary: "Run an eval (models and baselines); resumes the same config's last run",
    usage:
      'ubp run <config.ubp.json> [--models a,b] [--concurrency N] [--no-cache] [--new] [--limit N] [--runs-dir D] [--json]\n' +
      '        [--endpoint <base URL> --model <name> [--provider openai|anthropic] [--api-key-env VAR]]\n' +
      '        [--fail-under <metric>=<value> ...] [--shard i/n]\n' +
      '  --provider    the API the endpoint speaks (default: openai, any OpenAI-compatible server; anthropic: the\n' +
      '                Messages API, --endpoint being the API root such as https://api.anthropic.com)\n' +
      '  --shard       run slice i of n of the cases (by case id) as a run of its own; `ubp merge` joins the slices\n' +
      '  --fail-under  exit 3 when a model falls short, e.g. --fail-under hr@1=0.4 --fail-under invalid<=0.05\n' +
      '  --runs-dir    the store root holding runs/ (default .ubp), or that runs/ folder itself; --root is an alias\n' +
      '  exit codes: 0 done · 1 usage/config/data error · 3 a gate failed · 4 a model failed or units ended in error ·\n' +
      '              5 stopped at the budget · 130 interrupted',
    load: async () => (await import('./run')).runCommand,
  },
  {
    name: 'rerun',
    summary:
      'Ask a run’s failed cases again (invalid and error answers by default) and record the new answers',
    usage:
      'ubp rerun <run folder|run id> [--outcome invalid,error,wrong] [--models a,b] [--runs-dir DIR] [--json]\n' +
      '  --outcome  which failures to ask again (default invalid,error); "wrong" = valid but wrong answers',
    load: async () => (await import('./rerun')).rerunCommand,
  },
  {
    name: 'batch',
    summary:
      'Send a run through a batch API (submit, status, cancel) or a self-hosted engine (export, import)',
    usage: [
      'ubp batch submit <config> [--models a,b] [--max-requests N] [--shard i/n] [--new] [--runs-dir D]',
      '         [--endpoint URL --model NAME [--provider openai|anthropic] [--api-key-env VAR]]',
      '       ubp batch status <run> [--wait] [--interval S] [--runs-dir D] [--json]',
      '       ubp batch cancel <run> [--runs-dir D]',
      '       ubp batch export <config> --out requests.jsonl [--models a] [--shard i/n] [--endpoint URL --model NAME] [--new] [--runs-dir D]',
      '       ubp batch import <run> <results.jsonl>... [--runs-dir D]',
    ].join('\n'),
    load: async () => (await import('./batch')).batchCommand,
  },
  {
    name: 'merge',
    summary: 'Join shard runs (ubp run --shard i/n) into one run',
    usage: 'ubp merge <run folder|run id>... --out <dir> [--partial] [--runs-dir D] [--json]',
    load: async () => (await import('./merge')).mergeCommand,
  },
  {
    name: 'cases',
    summary: "Write an eval config's test cases as JSONL",
    usage: 'ubp cases <config.ubp.json> [--limit N] [--out FILE]',
    load: async () => (await import('./cases')).casesCommand,
  },
  {
    name: 'stats',
    summary: 'Load a dataset and print its statistics',
    usage:
      'ubp stats <path | bundled:ml-latest-small> [--as movielens-csv|movielens-dat|movielens-100k|lastfm-hetrec|generic] [--columns JSON] [--strict] [--json]',
    load: async () => (await import('./stats')).statsCommand,
  },
  {
    name: 'download',
    summary: 'Download a public dataset release (MovieLens, Last.fm) and check it',
    usage:
      'ubp download <ml-latest-small-2018|ml-1m|ml-25m|hetrec2011-lastfm-2k> [--dir D (default ./datasets)] [--force] [--mirror URL]\n' +
      '       ubp download --list',
    load: async () => (await import('./download')).downloadCommand,
  },
  {
    name: 'report',
    summary: 'Show a run’s metrics with 95% intervals, breakdowns, position bias, cost and time',
    usage:
      'ubp report <run folder|run id> [--json|--md] [--out FILE] [--probe <run>] [--k N] [--resamples N] [--seed N] [--runs-dir DIR]',
    load: async () => (await import('./report')).reportCommand,
  },
  {
    name: 'compare',
    summary: 'Compare two runs (or two models of a run) on shared cases: deltas with 95% intervals, p-values',
    usage:
      'ubp compare <runA> [<runB>] [--pair A=B]... [--variant-a V --variant-b W] [--json|--md] [--only-changed] [--max-changed N] ' +
      '[--fail-on-regression] [--metric M]... [--alpha A] [--resamples N] [--seed N] [--runs-dir DIR]',
    load: async () => (await import('./compare')).compareCommand,
  },
  {
    name: 'export',
    summary:
      'Export a run’s per-case results (one row per case and model, a column per metric) as CSV or JSONL',
    usage: 'ubp export <run folder|run id> --format csv|jsonl [--out FILE] [--runs-dir DIR]',
    load: async () => (await import('./export')).exportCommand,
  },
  {
    name: 'table',
    summary:
      'A paper-ready table of models by runs (Markdown, CSV or LaTeX): intervals, best, tests vs a reference',
    usage:
      'ubp table <run>... [--format md|csv|latex|json] [--metric M] [--reference MODEL] [--columns cases|run]\n' +
      '          [--alpha A] [--resamples N] [--seed N] [--out FILE] [--runs-dir DIR]\n' +
      '  runs over the same cases (data set and task settings) share a column unless --columns run',
    load: async () => (await import('./table')).tableCommand,
  },
  {
    name: 'preview',
    summary: 'Show the exact messages a prompt template gives for a case, with tokens and cost',
    usage:
      'ubp preview <config.ubp.json | file.prompt> [--case N|ID] [--prompt I|REF] [--model ID] [--config FILE] [--form F] [--json]\n' +
      '  --case     the case to render: an index from 0 (default 0) or a case id\n' +
      "  --prompt   which of the config's prompts to render: an index from 0 or its reference (default 0)\n" +
      "  --model    a config model id (its tokenizer and price) or a model name for the tokenizer (default: the config's first model)\n" +
      '  --config   with a .prompt file: render the cases of this config (default: a built-in sample case)\n' +
      "  --form     with a .prompt file and no config: the sample case form (default: the template's first form)\n" +
      '  --json     print one JSON object instead of text',
    load: async () => (await import('./preview')).previewCommand,
  },
];
