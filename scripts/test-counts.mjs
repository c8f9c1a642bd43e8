// Reads the pass/fail counts each test layer prints, for npm test's closing line.

/** Counts from node:test's spec reporter (`ℹ pass N`, `ℹ fail N`). */
export function nodeTestCounts(text) {
  const pass = [...text.matchAll(/^ℹ pass (\d+)$/gm)].map((m) => Number(m[1]));
  const fail = [...text.matchAll(/^ℹ fail (\d+)$/gm)].map((m) => Number(m[1]));
  if (!pass.length) return null;
  return { passed: pass.reduce((a, b) => a + b, 0), failed: fail.reduce((a, b) => a + b, 0) };
}

/** Counts from the integration suite's own result line. */
export function mochaCounts(text) {
  const m = [...text.matchAll(/UBP_MOCHA_RESULT (\{.*\})/g)].pop();
  if (!m) return null;
  const counts = JSON.parse(m[1]);
  // Checks the harness makes itself after the suite (e.g. that no key reached the disk).
  for (const h of text.matchAll(/UBP_HARNESS_RESULT (\{.*\})/g)) {
    const extra = JSON.parse(h[1]);
    counts.passed += extra.passed;
    counts.failed += extra.failed;
  }
  return counts;
}
