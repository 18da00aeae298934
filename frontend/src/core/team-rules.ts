/**
 * A team rule's problems beside its YAML: the server names each problem's field and line; the
 * editor shows them in line order, and a problem the server could not place goes first.
 */

export interface RuleProblem {
  path: string
  line: number | null
  message: string
}

export interface ErrorDetailLike {
  path: string
  message: string
}

/** Problems sorted by line (unplaced first), each as the text a list shows: `line 6 · condition.property.name: …`. */
export function problemTexts(problems: readonly RuleProblem[]): string[] {
  return [...problems]
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map((p) => `${p.line ? `line ${p.line} · ` : ''}${p.path && p.path !== '$' ? `${p.path}: ` : ''}${p.message}`)
}

/** A refused write's details (`line 18: the rule does not fire on …`) as problems with their line. */
export function problemsOfDetails(details: readonly ErrorDetailLike[]): RuleProblem[] {
  return details.map((d) => {
    const match = /^line (\d+): (.*)$/s.exec(d.message)
    return match ? { path: d.path, line: Number(match[1]), message: match[2] ?? '' } : { path: d.path, line: null, message: d.message }
  })
}

/** A starting point that passes: the shape of a rule in stride/rules/, with its own two examples. */
export function ruleTemplate(teamSlug: string): string {
  const prefix = `TEAM-${teamSlug.toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/^-+|-+$/g, '')}-`
  return `id: ${prefix}001
title: Workloads must not run as root
stride: E
target: process
condition:
  property: {name: runs_as_root, equals: true}
likelihood: 3
impact: 4
description: >-
  Our house rule: a workload that runs as root turns any code execution in it into a foothold on the
  node it runs on.
mitigation: Run the workload as a non-root user.
fixture:
  diagram:
    elements:
      - {key: rooted, kind: process, name: Rooted, properties: {runs_as_root: true}}
      - {key: nonroot, kind: process, name: Non-root, properties: {runs_as_root: false}}
  fires: [rooted]
  quiet: [nonroot]
`
}
