// What a run picker says when it has nothing to offer. No `vscode` import: unit-tested in plain Node.

/**
 * `total`: runs in the workspace; `offered`: the runs the picker would list. Only when there are no runs at all
 * is the user told to run an eval: otherwise it says why none fits (`why`), e.g. that no run has failures.
 */
export function noRunText(total: number, offered: number, why: string): string | undefined {
  if (offered > 0) return undefined;
  if (total === 0)
    return 'No UBP runs in this workspace yet (they are kept in .ubp/runs): run an eval first ("UBP: Run UBP Eval").';
  return `${why} (${total} run${total === 1 ? '' : 's'} in this workspace).`;
}
