/**
 * The fields a new mitigation shares wherever it is created (the threat drawer, the bulk dialog):
 * its expected effect on likelihood and impact, its starting status and its owner. One component,
 * so the two forms cannot drift apart from each other or from the server's limits (−3, −2).
 */
import type { Membership } from '../api/workflow'
import { Field } from '../components/Field'

interface Props {
  errors: Record<string, string>
  likelihoodReduction: number
  onLikelihoodReduction: (value: number) => void
  impactReduction: number
  onImpactReduction: (value: number) => void
  status: string
  onStatus: (value: string) => void
  owner: string
  onOwner: (value: string) => void
  members: readonly Pick<Membership, 'id' | 'username'>[]
}

export function MitigationFields(props: Props) {
  const { errors, members } = props
  return (
    <>
      <div className="field-row">
        <Field label="Likelihood −" error={errors.likelihood_reduction} hint="0–3 levels">
          <select value={props.likelihoodReduction} onChange={(event) => props.onLikelihoodReduction(Number(event.target.value))}>
            {[0, 1, 2, 3].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Impact −" error={errors.impact_reduction} hint="0–2 levels">
          <select value={props.impactReduction} onChange={(event) => props.onImpactReduction(Number(event.target.value))}>
            {[0, 1, 2].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Status" error={errors.status}>
          <select value={props.status} onChange={(event) => props.onStatus(event.target.value)}>
            <option value="proposed">Proposed</option>
            <option value="planned">Planned</option>
            <option value="implemented">Implemented</option>
          </select>
        </Field>
      </div>
      <Field label="Owner" error={errors.owner}>
        <select value={props.owner} onChange={(event) => props.onOwner(event.target.value)}>
          <option value="">— nobody yet —</option>
          {members.map((m) => (
            <option key={m.id} value={m.username}>
              {m.username}
            </option>
          ))}
        </select>
      </Field>
    </>
  )
}
