/**
 * The fields a new mitigation shares wherever it is created (the threat drawer, the bulk dialog):
 * its expected effect on likelihood and impact, its starting status and its owner. One component,
 * so the two forms cannot drift apart from each other or from the server's limits (−3, −2).
 */
import type { Membership } from '../api/workflow'
import { Field } from '../components/Field'
import { Select } from '../components/Select'
import { numberOptions } from '../core/options'

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
          <Select value={props.likelihoodReduction} options={numberOptions(0, 3)} onChange={(value) => props.onLikelihoodReduction(Number(value))} />
        </Field>
        <Field label="Impact −" error={errors.impact_reduction} hint="0–2 levels">
          <Select value={props.impactReduction} options={numberOptions(0, 2)} onChange={(value) => props.onImpactReduction(Number(value))} />
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
        <Select value={props.owner} empty="— nobody yet —" options={members.map((m) => ({ value: m.username, label: m.username }))} onChange={props.onOwner} />
      </Field>
    </>
  )
}
