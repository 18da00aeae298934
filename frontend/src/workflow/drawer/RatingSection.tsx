/**
 * The inherent rating: likelihood and impact (1–5, NIST SP 800-30 names) with a rationale, the
 * rule's suggestion one click away, and the optional OWASP Risk Rating calculator that proposes
 * levels from its sixteen factors (the answers are kept with the rating).
 */
import { useState } from 'react'
import { assessedThreat, threatApi } from '../../api/workflow'
import { LEVEL_NAMES } from '../../core/bands'
import { answersFrom, type OwaspAnswers } from '../../core/owasp'
import { Field, FormErrors } from '../../components/Field'
import { useAction } from '../useAction'
import { useDrawer } from './context'
import { OwaspCalculator } from './OwaspCalculator'
import { Select } from '../../components/Select'
import { LEVEL_OPTIONS } from '../../core/options'


export function RatingSection() {
  const { assessment, caps, threatId, changed } = useDrawer()
  const threat = assessedThreat(assessment)
  const { rating } = assessment
  const [likelihood, setLikelihood] = useState<number | null>(rating.likelihood ?? null)
  const [impact, setImpact] = useState<number | null>(rating.impact ?? null)
  const [rationale, setRationale] = useState(rating.rationale)
  const [owasp, setOwasp] = useState<OwaspAnswers | null>(rating.owasp ? answersFrom(rating.owasp) : null)
  const [calculator, setCalculator] = useState(false)
  const action = useAction(['likelihood', 'impact', 'rationale', 'owasp'])
  const suggestion = threat.suggested_likelihood != null && threat.suggested_impact != null ? [threat.suggested_likelihood, threat.suggested_impact] : null
  const readOnly = !caps.edit

  const save = async () => {
    if (!rationale.trim()) {
      action.fail({ fields: { rationale: 'Say why these levels (the break gate asks for a rationale).' }, general: [] })
      return
    }
    const ok = await action.run(() => threatApi.rate(threatId, { likelihood, impact, rationale: rationale.trim(), ...(owasp ? { owasp } : {}) }))
    if (ok) changed()
  }

  return (
    <section className="drawer-section" aria-labelledby="drawer-rating">
      <h3 id="drawer-rating">Rating</h3>
      {suggestion && (
        <p className="muted small-text">
          The rule suggests likelihood {suggestion[0]} ({LEVEL_NAMES[suggestion[0]!]}) × impact {suggestion[1]} ({LEVEL_NAMES[suggestion[1]!]}).{' '}
          {!readOnly && (
            <button
              type="button"
              className="link"
              onClick={() => {
                setLikelihood(suggestion[0]!)
                setImpact(suggestion[1]!)
              }}
            >
              Use the rule’s levels
            </button>
          )}
        </p>
      )}
      <FormErrors messages={action.errors.general} />
      <div className="field-row">
        <Field label="Likelihood" error={action.errors.fields.likelihood}>
          <Select value={likelihood ?? ''} disabled={readOnly} empty="— not rated —" options={LEVEL_OPTIONS} onChange={(value) => setLikelihood(value ? Number(value) : null)} />
        </Field>
        <Field label="Impact" error={action.errors.fields.impact}>
          <Select value={impact ?? ''} disabled={readOnly} empty="— not rated —" options={LEVEL_OPTIONS} onChange={(value) => setImpact(value ? Number(value) : null)} />
        </Field>
      </div>
      <Field label="Rationale" error={action.errors.fields.rationale} hint="Why these levels: preconditions, exposure, what would be lost.">
        <textarea rows={3} value={rationale} readOnly={readOnly} maxLength={20000} onChange={(event) => setRationale(event.target.value)} />
      </Field>
      {action.errors.fields.owasp && (
        <p className="field-error" role="alert">
          OWASP answers: {action.errors.fields.owasp}
        </p>
      )}
      {owasp && (
        <p className="muted small-text">
          OWASP factor answers will be kept with this rating.{' '}
          {!readOnly && (
            <button type="button" className="link" onClick={() => setOwasp(null)}>
              Drop them
            </button>
          )}
        </p>
      )}
      {!readOnly && (
        <div className="drawer-actions">
          <button type="button" onClick={() => setCalculator((open) => !open)} aria-expanded={calculator}>
            OWASP calculator
          </button>
          <button type="button" className="primary" disabled={action.busy || likelihood === null || impact === null} onClick={() => void save()}>
            Save rating
          </button>
        </div>
      )}
      {calculator && !readOnly && (
        <OwaspCalculator
          initial={owasp ?? {}}
          onUse={(answers, proposal) => {
            setOwasp(answers)
            if (proposal.likelihood != null) setLikelihood(proposal.likelihood)
            if (proposal.impact != null) setImpact(proposal.impact)
            setCalculator(false)
          }}
        />
      )}
      {rating.rated_by && (
        <p className="muted small-text">
          Rated by {rating.rated_by}
          {rating.rated_at ? ` on ${new Date(rating.rated_at).toLocaleString()}` : ''}.
        </p>
      )}
    </section>
  )
}
