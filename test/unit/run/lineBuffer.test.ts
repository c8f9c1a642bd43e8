// LineBuffer: lines reach the sink as the same bytes, in order, in chunks no larger than the buffer (a line too
// large for it on its own), and nothing before a flush once the buffer has room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBuffer } from '../../../src/core/run/lineBuffer';

function collect(size: number): { buf: LineBuffer; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  // The sink gets a view of the reused buffer: copy it, as a file write would have taken the bytes.
  const buf = new LineBuffer((b) => chunks.push(Buffer.from(b)), size);
  return { buf, chunks };
}

test('the bytes written equal the text given, multi-byte characters included, in chunks within the size', () => {
  const { buf, chunks } = collect(256);
  const lines = Array.from(
    { length: 200 },
    (_, i) => `{"i":${i},"t":"Amélie ${'é'.repeat(i % 7)} 東京 🎬"}\n`,
  );
  for (const l of lines) buf.write(l);
  assert.ok(buf.buffered > 0, 'the tail waits for a flush');
  buf.flush();
  assert.equal(buf.buffered, 0);
  assert.equal(Buffer.concat(chunks).toString('utf8'), lines.join(''));
  assert.ok(chunks.length > 10, `expected many chunks, got ${chunks.length}`);
  for (const c of chunks) assert.ok(c.length <= 256, `a chunk of ${c.length} bytes`);
});

test('a line larger than the buffer goes out on its own, after what was queued before it', () => {
  const { buf, chunks } = collect(32);
  buf.write('a\n');
  const big = 'x'.repeat(100) + '\n';
  buf.write(big);
  buf.write('b\n');
  buf.flush();
  assert.deepEqual(
    chunks.map((c) => c.toString()),
    ['a\n', big, 'b\n'],
  );
});

test('nothing is allocated or written by a buffer that never got text', () => {
  const { buf, chunks } = collect(1 << 20);
  buf.flush();
  assert.equal(chunks.length, 0);
  assert.equal(buf.buffered, 0);
});
