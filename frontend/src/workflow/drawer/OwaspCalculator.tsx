/**
 * The OWASP Risk Rating calculator: eight likelihood and eight impact factors, 0–9 each. The server
 * proposes the levels (`POST /risk/owasp-rating/`); nothing is stored until the rating is saved.
 */
import { useState } from 'react'
import { threatApi, type OwaspProposal } from '../../api/workflow'
import { LEVEL_NAMES } from '../../core/bands'
import { missingFactors, OWASP_FACTORS, OWASP_QUESTION, owaspBody, type OwaspAnswers, type OwaspGroup } from '../../core/owasp'
import { Field, FormErrors } from '../../components/Field'
import { useAction } from '../useAction'
import { Select } from '../../components/Select'
import { numberOptions } from '../../core/options'

const FACTOR_VALUES = numberOptions(0, 9)

export function OwaspCalculator({ initial, onUse }: { initial: OwaspAnswers; onUse: (answers: OwaspAnswers, proposal: OwaspProposal) => void }) {
  const [answers, setAnswers] = useState<OwaspAnswers>(initial)
  const [proposal, setProposal] = useState<OwaspProposal | null>(null)
  const fields = [...OWASP_FACTORS.likelihood.map((f) => `likelihood.${f}`), ...OWASP_FACTORS.impact.map((f) => `impact.${f}`)]
  const action = useAction(fields)
  const body = owaspBody(answers)

  const set = (group: OwaspGroup, factor: string, value: string) => {
    setProposal(null)
    setAnswers((prev) => {
      const values = { ...(prev[group] ?? {}) }
      if (value === '') delete values[factor]
      else values[factor] = Number(value)
      return { ...prev, [group]: values }
    })
  }

  const propose = async () => {
    if (!body) return
    let answer: OwaspProposal | null = null
    const ok = await action.run(async () => {
      answer = await threatApi.owasp(body)
    })
    if (ok) setProposal(answer)
  }

  return (
    <div className="owasp" role="group" aria-label="OWASP Risk Rating calculator">
      <p className="muted small-text">Answer all eight factors of a group (0–9); the mean proposes its level. Either group alone is enough.</p>
      <FormErrors messages={action.errors.general} />
      {(['likelihood', 'impact'] as const).map((group) => (
        <fieldset key={group} className="prop-group">
          <legend>{group === 'likelihood' ? 'Likelihood factors' : 'Impact factors'}</legend>
          {OWASP_FACTORS[group].map((factor) => {
            const [question, scale] = OWASP_QUESTION[factor] ?? [factor, '']
            return (
              <Field key={factor} label={question} hint={scale} error={action.errors.fields[`${group}.${factor}`]} className="owasp-factor">
                <Select value={answers[group]?.[factor] ?? ''} empty="—" options={FACTOR_VALUES} onChange={(value) => set(group, factor, value)} />
              </Field>
            )
          })}
          {missingFactors(answers, group).length > 0 && (
            <p className="muted small-text">{missingFactors(answers, group).length} factor(s) of this group still unanswered.</p>
          )}
        </fieldset>
      ))}
      <div className="drawer-actions">
        <button type="button" disabled={!body || action.busy} onClick={() => void propose()}>
          Propose levels
        </button>
        {proposal && (
          <button type="button" className="primary" onClick={() => onUse(answers, proposal)}>
            Use these levels
          </button>
        )}
      </div>
      {proposal && (
        <p role="status" className="owasp-proposal">
          {proposal.likelihood != null && (
            <>
              Likelihood: mean {proposal.likelihood_mean} → {proposal.likelihood} ({LEVEL_NAMES[proposal.likelihood]}).{' '}
            </>
          )}
          {proposal.impact != null && (
            <>
              Impact: mean {proposal.impact_mean} → {proposal.impact} ({LEVEL_NAMES[proposal.impact]}).
            </>
          )}
        </p>
      )}
    </div>
  )
}
