/**
 * The workflow's stages and what a role may do in them, as the server decides it
 * (`threatmodel/permissions.py`, `threatmodel/workflow/stages.py`). The browser only uses this to
 * decide which controls to offer: the server checks every request again, and its refusal (with its
 * reason) is what the user sees when the two disagree.
 */

export type Stage = 'design' | 'break' | 'fix' | 'verify' | 'approved'

export const STAGES: readonly Stage[] = ['design', 'break', 'fix', 'verify', 'approved']

export const STAGE_LABEL: Record<Stage, string> = {
  design: 'Design',
  break: 'Break',
  fix: 'Fix',
  verify: 'Verify',
  approved: 'Approved',
}

/** Microsoft's four questions, one per stage (the Threat Modeling Manifesto's wording). */
export const STAGE_QUESTION: Record<Stage, string> = {
  design: 'What are we working on?',
  break: 'What can go wrong?',
  fix: 'What are we going to do about it?',
  verify: 'Did we do a good enough job?',
  approved: 'Signed off.',
}

export function asStage(value: string | null | undefined): Stage {
  return STAGES.includes(value as Stage) ? (value as Stage) : 'design'
}

export function nextStage(stage: Stage): Stage | null {
  return STAGES[STAGES.indexOf(stage) + 1] ?? null
}

/** The stages a model can be sent back to (reopening never goes to approved). */
export function earlierStages(stage: Stage): Stage[] {
  return STAGES.slice(0, STAGES.indexOf(stage)).filter((s) => s !== 'approved')
}

export function advanceLabel(stage: Stage): string | null {
  const next = nextStage(stage)
  if (next === null) return null
  return next === 'approved' ? 'Approve (sign off)' : `Move to ${STAGE_LABEL[next]}`
}

const RANK: Record<string, number> = { viewer: 0, reviewer: 1, editor: 2, owner: 3 }

export interface Capabilities {
  /** Rate, triage, mitigate, decide, change statuses (editors and owners; nothing once approved). */
  edit: boolean
  /** Verify an implemented mitigation (reviewers and above, never its implementer). */
  verify: boolean
  /** Take the model to the next stage before approval (editors and owners). */
  advance: boolean
  /** Approve the model: a reviewer's sign-off (reviewers and the team owner, by name, not rank). */
  signOff: boolean
  /** Approve a pending exception (the team owner). */
  approveExceptions: boolean
  /** Send the model back to an earlier stage (editors and owners). */
  reopen: boolean
}

export function capabilities(role: string | null | undefined, stage: Stage): Capabilities {
  const rank = role ? (RANK[role] ?? -1) : -1
  const open = stage !== 'approved'
  return {
    edit: rank >= RANK.editor! && open,
    verify: rank >= RANK.reviewer! && open,
    advance: rank >= RANK.editor! && open && stage !== 'verify',
    signOff: (role === 'reviewer' || role === 'owner') && stage === 'verify',
    approveExceptions: role === 'owner' && open,
    reopen: rank >= RANK.editor! && stage !== 'design',
  }
}

/** Whether this person may take the step out of `stage` (the sign-off has its own rule). */
export function mayTakeNextStep(caps: Capabilities, stage: Stage): boolean {
  return stage === 'verify' ? caps.signOff : caps.advance
}

export interface MitigationLike {
  status: string
  implemented_by: string | null
}

/** Why this person cannot verify a mitigation, or null when they can. */
export function verifyRefusal(caps: Capabilities, mitigation: MitigationLike, username: string): string | null {
  if (!caps.verify) return 'Verifying is a reviewer’s step.'
  if (mitigation.status === 'verified') return 'Already verified.'
  if (mitigation.status !== 'implemented') return 'Only an implemented mitigation can be verified.'
  if (mitigation.implemented_by === username) return 'You implemented it: someone else must verify it.'
  return null
}
