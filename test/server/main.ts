// Runs the local test server (OpenAI's /v1/chat/completions and Anthropic's /v1/messages) on its own, for the
// VS Code tests and the benchmark:
//   node --import tsx test/server/main.ts [--port 0] [--latency 50] [--api-key KEY] [--fault-rate 0.2]
//     [--faults 429,500,drop] [--seed 0] [--retry-after-ms 20] [--retry-after 1] [--max-faults-per-prompt N]
//     [--models a,b] [--strict-models] [--bare-answers] [--reasoning-tokens N] [--no-record]
// Prints one line, the base URL (ending in /v1; Anthropic's baseUrl is the same without /v1), then serves until
// SIGINT/SIGTERM. A child process can be
// inspected and steered over HTTP: GET /_stats, POST /_faults (a FaultSpec as JSON), POST /_reset.
import { parseArgs } from 'node:util';
import { FAULT_KINDS, startTestServer, type FaultKind, type FaultSpec } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    latency: { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    'fault-rate': { type: 'string' },
    faults: { type: 'string' },
    seed: { type: 'string' },
    'retry-after-ms': { type: 'string' },
    'retry-after': { type: 'string' },
    'max-faults-per-prompt': { type: 'string' },
    models: { type: 'string' },
    'bare-answers': { type: 'boolean', default: false },
    'strict-models': { type: 'boolean', default: false },
    'reasoning-tokens': { type: 'string' },
    'no-record': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'usage: node --import tsx test/server/main.ts [options]',
      'An OpenAI- and Anthropic-shaped model server for tests: deterministic answers, faults on demand.',
      '  --port N                   port to listen on (default 0: any free port)',
      '  --host H                   address (default 127.0.0.1)',
      '  --latency MS               delay before each answer (default 0)',
      '  --api-key KEY              answer 401 to requests without this key (Bearer, api-key or x-api-key)',
      '  --fault-rate R             share of requests that fault (0..1)',
      `  --faults K,K               which faults (${FAULT_KINDS.join(', ')})`,
      '  --seed N                   fault draw seed (each attempt draws anew)',
      '  --retry-after-ms MS        Retry-After on 429s, milliseconds (retry-after-ms header)',
      '  --retry-after S            Retry-After on 429s, seconds',
      '  --max-faults-per-prompt N  at most N faults for one prompt',
      '  --models a,b               the model ids GET /v1/models lists',
      '  --strict-models            404 for a model not in --models',
      '  --bare-answers             answer with bare values (4, B) instead of JSON objects',
      '  --reasoning-tokens N       report N reasoning tokens in usage',
      '  --no-record                keep no request log (benchmarks)',
      'Prints the base URL (ending in /v1) on its first line, then serves until SIGINT/SIGTERM.',
      'HTTP: GET /_stats, POST /_faults (a FaultSpec as JSON), POST /_reset; batch APIs under /v1.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`test server: --${name} must be a non-negative number, got "${v}"\n`);
    process.exit(2);
  }
  return n;
};

let faults: FaultSpec | undefined;
const rate = num('fault-rate', values['fault-rate']);
if (rate !== undefined) {
  const kinds = values.faults?.split(',').map((k) => k.trim()) as FaultKind[] | undefined;
  for (const k of kinds ?? []) {
    if (!FAULT_KINDS.includes(k)) {
      process.stderr.write(`test server: unknown fault "${k}" (known: ${FAULT_KINDS.join(', ')})\n`);
      process.exit(2);
    }
  }
  faults = {
    rate,
    kinds,
    seed: num('seed', values.seed),
    retryAfterMs: num('retry-after-ms', values['retry-after-ms']),
    retryAfterSec: num('retry-after', values['retry-after']),
    maxPerPrompt: num('max-faults-per-prompt', values['max-faults-per-prompt']),
  };
}

void startTestServer({
  port: num('port', values.port),
  host: values.host,
  latencyMs: num('latency', values.latency),
  apiKey: values['api-key'],
  faults,
  record: !values['no-record'],
  models: values.models ? values.models.split(',').map((m) => m.trim()) : undefined,
  bareAnswers: values['bare-answers'],
  strictModels: values['strict-models'],
  reasoningTokens: num('reasoning-tokens', values['reasoning-tokens']),
}).then((server) => {
  process.stdout.write(`${server.url}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
