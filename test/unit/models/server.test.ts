// The local OpenAI-compatible test server: deterministic answers, usage, counts, logs and every fault kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultAnswer, guessForm, promptHash, startTestServer, type TestServer } from '../../server/server';

const user = (content: string) => [{ role: 'user' as const, content }];

async function chat(server: TestServer, content: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    body: JSON.stringify({ model: 'test-model', messages: user(content) }),
    ...init,
  });
}

test('answers deterministically by form, with usage, and counts requests per prompt', async () => {
  const server = await startTestServer();
  try {
    const prompt = 'Which movie will they watch next? Answer {"choice": "<label>"}\nA. Heat\nB. Alien\nC. Up';
    const a = (await (await chat(server, prompt)).json()) as {
      choices: { message: { content: string } }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    const b = (await (await chat(server, prompt)).json()) as typeof a;
    const content = a.choices[0]!.message.content;
    assert.equal(content, b.choices[0]!.message.content);
    assert.equal(content, defaultAnswer(user(prompt)));
    assert.ok(['A', 'B', 'C'].includes((JSON.parse(content) as { choice: string }).choice));
    assert.equal(a.usage.prompt_tokens, Math.ceil(prompt.length / 4));
    assert.equal(a.usage.total_tokens, a.usage.prompt_tokens + a.usage.completion_tokens);
    const s = server.stats();
    assert.equal(s.byPrompt.get(promptHash(user(prompt))), 2);
    assert.equal(s.chatRequests, 2);
    assert.equal(s.log[1]!.attempt, 1);
    assert.ok(s.log[0]!.respondedAt! >= s.log[0]!.receivedAt);
  } finally {
    await server.close();
  }
});

test('guessForm and the bare answers cover the four forms', () => {
  assert.equal(guessForm('Rank these\nA. x\nB. y'), 'ranking');
  assert.equal(guessForm('Pick one\nA. x\nB. y'), 'choice');
  assert.equal(guessForm('Would they like it? yes or no'), 'binary');
  assert.equal(guessForm('Reply {"rating": n}'), 'rating');
  const ranking = defaultAnswer(user('Rank these\nA. x\nB. y\nC. z'), true).split(', ');
  assert.deepEqual([...ranking].sort(), ['A', 'B', 'C']);
  assert.match(defaultAnswer(user('Would they like it? yes or no'), true), /^(yes|no)$/);
  const r = Number(defaultAnswer(user('how many stars')));
  assert.ok(Number.isNaN(r)); // JSON by default
  const v = (JSON.parse(defaultAnswer(user('how many stars'))) as { rating: number }).rating;
  assert.ok(v >= 0.5 && v <= 5 && v * 2 === Math.round(v * 2));
});

test('lists models, checks the key and records the Authorization header', async () => {
  const server = await startTestServer({ apiKey: 'sk-test-123', models: ['m1', 'm2'] });
  try {
    const list = (await (
      await fetch(`${server.url}/models`, { headers: { authorization: 'Bearer sk-test-123' } })
    ).json()) as {
      data: { id: string }[];
    };
    assert.deepEqual(
      list.data.map((m) => m.id),
      ['m1', 'm2'],
    );
    assert.equal((await chat(server, 'x', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await chat(server, 'x', { headers: { authorization: 'Bearer sk-test-123' } })).status, 200);
    assert.equal(server.stats().log.at(-1)!.headers.authorization, 'Bearer sk-test-123');
  } finally {
    await server.close();
  }
});

test('scripted faults: 429 with both retry headers, 5xx, malformed, non-JSON text, then a normal answer', async () => {
  const server = await startTestServer({
    faults: {
      retryAfterSec: 1,
      retryAfterMs: 30,
      script: [{ match: 'victim', faults: ['429', '500', '502', '503', 'malformed', 'nonjson'] }],
    },
  });
  try {
    const r429 = await chat(server, 'the victim prompt');
    assert.equal(r429.status, 429);
    assert.equal(r429.headers.get('retry-after'), '1');
    assert.equal(r429.headers.get('retry-after-ms'), '30');
    await r429.text();
    for (const status of [500, 502, 503]) {
      const r = await chat(server, 'the victim prompt');
      assert.equal(r.status, status);
      await r.text();
    }
    const bad = await chat(server, 'the victim prompt');
    assert.equal(bad.status, 200);
    await assert.rejects(bad.json() as Promise<unknown>, SyntaxError);
    const prose = (await (await chat(server, 'the victim prompt')).json()) as {
      choices: { message: { content: string } }[];
    };
    assert.throws(() => JSON.parse(prose.choices[0]!.message.content));
    const ok = await chat(server, 'the victim prompt');
    assert.equal(ok.status, 200);
    await ok.json();
    assert.equal((await chat(server, 'an innocent prompt')).status, 200);
    const s = server.stats();
    assert.deepEqual(s.faults, { '429': 1, '500': 1, '502': 1, '503': 1, malformed: 1, nonjson: 1 });
    assert.equal(s.retryWaits.length, 1);
    assert.equal(s.retryWaits[0]!.retryAfterMs, 1000);
    assert.ok(s.retryWaits[0]!.waitedMs >= 0);
    assert.equal(s.answeredByPrompt.get(promptHash(user('the victim prompt'))), 1);
  } finally {
    await server.close();
  }
});

test('Retry-After can be sent as an HTTP date', async () => {
  const server = await startTestServer({
    faults: { retryAfterSec: 2, retryAfterDate: true, script: [{ match: 'p', faults: ['429'] }] },
  });
  try {
    const r = await chat(server, 'p');
    const when = Date.parse(r.headers.get('retry-after')!);
    assert.ok(when > Date.now() && when <= Date.now() + 3000);
    assert.equal(r.headers.get('retry-after-ms'), null);
    await r.text();
  } finally {
    await server.close();
  }
});

test('a dropped connection fails the client mid-body and is logged', async () => {
  const server = await startTestServer({ faults: { script: [{ match: 'drop me', faults: ['drop'] }] } });
  try {
    const r = await chat(server, 'drop me');
    assert.equal(r.status, 200);
    await assert.rejects(r.text());
    assert.equal(server.stats().faults.drop, 1);
  } finally {
    await server.close();
  }
});

test('a hanging request is logged as aborted and its connection closed when the client aborts', async () => {
  const server = await startTestServer({ faults: { script: [{ match: 'hang', faults: ['hang'] }] } });
  try {
    const ac = new AbortController();
    const pending = chat(server, 'hang', { signal: ac.signal });
    // Wait until the server has the request, then cancel.
    while (server.stats().chatRequests === 0) await new Promise((r) => setImmediate(r));
    const cancelAt = performance.timeOrigin + performance.now();
    ac.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    let s = server.stats();
    for (let i = 0; i < 200 && s.connections.some((c) => c.closedAt === undefined); i++) {
      await new Promise((r) => setTimeout(r, 5));
      s = server.stats();
    }
    const conn = s.connections.find((c) => c.id === s.log[0]!.connection)!;
    assert.ok(conn.closedAt !== undefined, 'connection closed');
    assert.ok(conn.closedAt! - cancelAt < 1000);
    assert.equal(s.log[0]!.aborted, true);
    assert.equal(s.log[0]!.status, undefined);
  } finally {
    await server.close();
  }
});

test('slow answers and latency delay the response', async () => {
  const server = await startTestServer({
    latencyMs: 30,
    faults: { slowMs: 50, script: [{ match: 'slow', faults: ['slow'] }] },
  });
  try {
    await (await chat(server, 'slow')).json();
    await (await chat(server, 'fast')).json();
    const [slow, fast] = server.stats().log;
    assert.ok(slow!.respondedAt! - slow!.receivedAt >= 79);
    assert.ok(fast!.respondedAt! - fast!.receivedAt >= 29);
    assert.equal(slow!.fault, 'slow');
  } finally {
    await server.close();
  }
});

test('random faults are deterministic per (seed, prompt, attempt), near the rate, and capped per prompt', async () => {
  const spec = {
    rate: 0.3,
    seed: 7,
    kinds: ['500' as const, '429' as const],
    maxPerPrompt: 1,
    retryAfterMs: 1,
  };
  const runOnce = async () => {
    const server = await startTestServer({ faults: spec });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) {
        const r = await chat(server, `prompt ${i}`);
        statuses.push(r.status);
        await r.text();
        if (r.status !== 200) {
          const again = await chat(server, `prompt ${i}`); // capped: the retry succeeds
          assert.equal(again.status, 200);
          await again.text();
        }
      }
      return statuses;
    } finally {
      await server.close();
    }
  };
  const a = await runOnce();
  const b = await runOnce();
  assert.deepEqual(a, b);
  const faults = a.filter((s) => s !== 200).length;
  assert.ok(faults > 12 && faults < 50, `faults ${faults}`);
  assert.ok(a.includes(429) && a.includes(500));
});

test('random faults are drawn anew for each attempt: a retry faults about as often as a first try', async () => {
  // A simulator of transient faults: a prompt that faulted once must not keep faulting on its retries.
  const server = await startTestServer({ faults: { rate: 0.3, seed: 3, kinds: ['500'] } });
  try {
    let first = 0;
    let again = 0;
    for (let i = 0; i < 300; i++) {
      const r = await chat(server, `prompt ${i}`);
      await r.text();
      if (r.status === 200) continue;
      first++;
      const retry = await chat(server, `prompt ${i}`);
      await retry.text();
      if (retry.status !== 200) again++;
    }
    assert.ok(first > 60 && first < 120, `first tries faulted: ${first} of 300`);
    // Independent draws give about 30% of them; a hash that kept the attempt in its low bits gave over 90%.
    assert.ok(again / first < 0.5, `retries that faulted again: ${again} of ${first}`);
  } finally {
    await server.close();
  }
});

test('control endpoints steer a server in another process', async () => {
  const server = await startTestServer();
  try {
    const base = server.url.replace(/\/v1$/, '');
    await fetch(`${base}/_faults`, {
      method: 'POST',
      body: JSON.stringify({ script: [{ match: 'x', faults: ['503'] }] }),
    });
    assert.equal((await chat(server, 'x')).status, 503);
    const s = (await (await fetch(`${base}/_stats`)).json()) as {
      chatRequests: number;
      byPrompt: Record<string, number>;
    };
    assert.equal(s.chatRequests, 1);
    assert.equal(s.byPrompt[promptHash(user('x'))], 1);
    await fetch(`${base}/_reset`, { method: 'POST' });
    assert.equal(server.stats().chatRequests, 0);
  } finally {
    await server.close();
  }
});

test('the standalone entry prints its URL, serves, and stops cleanly on SIGTERM', async () => {
  const { spawn } = await import('node:child_process');
  const path = await import('node:path');
  const root = path.resolve(__dirname, '../../..');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/server/main.ts',
      '--port',
      '0',
      '--latency',
      '5',
      '--models',
      'm-a,m-b',
      '--bare-answers',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.trim());
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = (await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['m-a', 'm-b'],
    );
    const r = (await (
      await fetch(`${url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm-a', messages: user('Would they like it? yes or no') }),
      })
    ).json()) as { choices: { message: { content: string } }[] };
    assert.match(r.choices[0]!.message.content, /^(yes|no)$/);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('the standalone entry refuses a bad option value with a clear message', async () => {
  const { spawnSync } = await import('node:child_process');
  const path = await import('node:path');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/server/main.ts', '--latency', 'soon'], {
    cwd: path.resolve(__dirname, '../../..'),
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--latency must be a non-negative number, got "soon"/);
});
