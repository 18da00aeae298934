/**
 * Properties of the selected element or flow, from the vocabulary: yes / no / unknown for
 * booleans, a select for enums, text for text — and "not set", which is different from unknown.
 * Messages the server sent back for a refused change sit next to the field they are about.
 */
import { memo, useEffect, useId, useState, type ReactNode } from 'react'
import { Field } from '../components/Field'
import { describeKeys, nameOf } from '../core/actions'
import type { FieldError } from '../core/error-paths'
import type { Op } from '../core/ops'
import { KIND_LABEL } from '../core/stencils'
import type { DiagramState, Element, ExtraFacts, Flow, PropValue, VocabularyProperty } from '../core/types'
import type { VocabularyIndex } from '../core/validation'
import { multiSelection, setFlowFieldOps, setPropertyOps, sharedFlowField, sharedProperty, type MultiSelection } from '../core/multi-edit'
import type { ModelQuestions } from '../core/questions'
import { QuestionAnswer, type AnswerQuestion } from '../workflow/QuestionAnswer'

interface Props {
  state: DiagramState
  selection: ReadonlySet<string>
  vocab: VocabularyIndex
  fieldErrors: readonly FieldError[]
  readOnly: boolean
  onEdit: (label: string, ops: Op[]) => string | null
  onDelete: () => void
  /** The model's open questions, to show those about the selected element or flow. */
  questions?: ModelQuestions
  onAnswer?: AnswerQuestion
}

export const PropertyPanel = memo(function PropertyPanel(props: Props) {
  const { selection, questions, onAnswer, readOnly } = props
  const key = selection.size === 1 ? ([...selection][0] ?? '') : ''
  const asked = key && questions ? questions.groups.find((group) => group.subject.key === key) : undefined
  const open = asked?.questions.filter((question) => question.answered === undefined).length ?? 0
  return (
    <>
      {asked && onAnswer && (
        <section className="panel-body subject-questions" aria-label="Open questions about the selection">
          <h2 className="panel-subtitle">
            Open questions <span className="count count-questions">{open}</span>
          </h2>
          <p className="muted small-text">Unconfirmed findings here wait on these answers.</p>
          {asked.questions.map((question) => (
            <QuestionAnswer key={question.id} question={question} canAnswer={!readOnly} onAnswer={onAnswer} showCount />
          ))}
        </section>
      )}
      <Properties {...props} />
    </>
  )
})

function Properties({ state, selection, vocab, fieldErrors, readOnly, onEdit, onDelete }: Props) {
  if (selection.size === 0) {
    return (
      <div className="panel-body">
        <p className="muted">Select an element or a flow to see and edit its properties.</p>
        <p className="muted small-text">
          {state.elements.size} elements · {state.flows.size} flows on this diagram
        </p>
      </div>
    )
  }
  if (selection.size > 1) return <MultiProperties state={state} selection={selection} vocab={vocab} readOnly={readOnly} onEdit={onEdit} onDelete={onDelete} />
  const key = [...selection][0] ?? ''
  const errors = new Map(fieldErrors.filter((error) => error.key === key).map((error) => [error.field, error.message]))
  const element = state.elements.get(key)
  if (element) return <ElementProperties key={key} element={element} state={state} vocab={vocab} errors={errors} readOnly={readOnly} onEdit={onEdit} />
  const flow = state.flows.get(key)
  if (flow) return <FlowProperties key={key} flow={flow} state={state} vocab={vocab} errors={errors} readOnly={readOnly} onEdit={onEdit} />
  return (
    <div className="panel-body">
      <p className="muted">The selected item is no longer on this diagram.</p>
    </div>
  )
}

interface SectionProps {
  vocab: VocabularyIndex
  errors: ReadonlyMap<string, string>
  readOnly: boolean
  onEdit: (label: string, ops: Op[]) => string | null
  state: DiagramState
}

function ElementProperties({ element, vocab, errors, readOnly, onEdit, state }: SectionProps & { element: Element }) {
  const update = (label: string, change: Omit<Extract<Op, { op: 'update_element' }>, 'op' | 'key'>) =>
    onEdit(label, [{ op: 'update_element', key: element.key, ...change }])
  return (
    <div className="panel-body" aria-label={`Properties of ${element.name}`}>
      <p className="kind-line">
        <span className={`kind-chip kind-${element.kind}`}>{KIND_LABEL[element.kind]}</span>
        {element.parent && <span className="muted small-text"> in “{nameOf(state, element.parent)}”</span>}
      </p>
      <TextField label="Name" value={element.name} error={errors.get('name')} readOnly={readOnly} onCommit={(name) => update(`Rename “${element.name}”`, { name })} required />
      <TextField label="Description" value={element.description} error={errors.get('description')} readOnly={readOnly} multiline onCommit={(description) => update(`Describe “${element.name}”`, { description })} />
      <PropertyFields
        specs={[...(vocab.get(element.kind)?.values() ?? [])]}
        values={element.properties}
        errors={errors}
        readOnly={readOnly}
        onChange={(name, value, specLabel) => update(`Set ${specLabel} of “${element.name}”`, { properties: { [name]: value } })}
      />
      <ImportedFacts facts={element.extra} />
      <p className="muted small-text key-line">Key: {element.key}</p>
    </div>
  )
}

function FlowProperties({ flow, vocab, errors, readOnly, onEdit, state }: SectionProps & { flow: Flow }) {
  const title = flow.label || `${nameOf(state, flow.source)} → ${nameOf(state, flow.target)}`
  const update = (label: string, change: Omit<Extract<Op, { op: 'update_flow' }>, 'op' | 'key'>) =>
    onEdit(label, [{ op: 'update_flow', key: flow.key, ...change }])
  return (
    <div className="panel-body" aria-label={`Properties of flow ${title}`}>
      <p className="kind-line">
        <span className="kind-chip kind-flow">Data flow</span>
      </p>
      <p className="flow-ends">
        {nameOf(state, flow.source)} <span aria-hidden="true">{flow.bidirectional ? '⇄' : '→'}</span>
        <span className="sr-only">{flow.bidirectional ? ' and back to ' : ' to '}</span> {nameOf(state, flow.target)}
        {!readOnly && (
          <button type="button" className="small" onClick={() => update(`Reverse “${title}”`, { source: flow.target, target: flow.source })}>
            Reverse
          </button>
        )}
      </p>
      <TextField label="Label" value={flow.label} error={errors.get('label')} readOnly={readOnly} onCommit={(label) => update(`Label flow “${title}”`, { label })} />
      <TextField label="Protocol" value={flow.protocol} error={errors.get('protocol')} readOnly={readOnly} onCommit={(protocol) => update(`Set protocol of “${title}”`, { protocol })} />
      <CheckField label="Both ways (bidirectional)" checked={flow.bidirectional} readOnly={readOnly} onChange={(bidirectional) => update(`Make “${title}” ${bidirectional ? 'two-way' : 'one-way'}`, { bidirectional })} />
      <TextField label="Description" value={flow.description} error={errors.get('description')} readOnly={readOnly} multiline onCommit={(description) => update(`Describe “${title}”`, { description })} />
      <PropertyFields
        specs={[...(vocab.get('flow')?.values() ?? [])]}
        values={flow.properties}
        errors={errors}
        readOnly={readOnly}
        onChange={(name, value, specLabel) => update(`Set ${specLabel} of “${title}”`, { properties: { [name]: value } })}
      />
      <ImportedFacts facts={flow.extra} />
      <p className="muted small-text key-line">Key: {flow.key}</p>
    </div>
  )
}

/**
 * Several items selected: the fields they share, edited for all of them at once — one edit, one
 * batch (`core/multi-edit.ts`). A field whose items differ says "mixed" until it is set.
 */
function MultiProperties({ state, selection, vocab, readOnly, onEdit, onDelete }: Omit<Props, 'fieldErrors' | 'questions' | 'onAnswer'>) {
  const picked = multiSelection(state, selection, vocab)
  const what = describeKeys(state, selection)
  const apply = (label: string, ops: Op[]) => {
    if (ops.length > 0) onEdit(label, ops)
  }
  const { values, mixed } = picked ? sharedValues(state, picked) : { values: {}, mixed: new Set<string>() }
  const protocol = picked && picked.flows.length > 0 ? sharedFlowField(state, picked, 'protocol') : null
  const twoWay = picked && picked.flows.length > 0 ? sharedFlowField(state, picked, 'bidirectional') : null
  const allFlows = picked !== null && picked.elements.length === 0
  return (
    <div className="panel-body multi-edit" aria-label={`Properties of ${what}`}>
      <p>
        <strong>{what}</strong> selected{picked && picked.specs.length + (allFlows ? 2 : 0) > 0 ? ' — a change here applies to all of them.' : '.'}
      </p>
      {picked && allFlows && protocol && twoWay && (
        <>
          <TextField
            label="Protocol"
            value={protocol.mixed ? '' : String(protocol.value ?? '')}
            placeholder={protocol.mixed ? 'mixed' : undefined}
            readOnly={readOnly}
            onCommit={(value) => apply(`Set protocol of ${what}`, setFlowFieldOps(state, picked, { protocol: value }))}
          />
          <Field label="Both ways (bidirectional)">
            <select
              value={twoWay.mixed ? MIXED : String(twoWay.value)}
              disabled={readOnly}
              className={twoWay.mixed ? 'is-mixed' : ''}
              onChange={(event) => apply(`Set direction of ${what}`, setFlowFieldOps(state, picked, { bidirectional: event.target.value === 'true' }))}
            >
              {twoWay.mixed && (
                <option value={MIXED} disabled>
                  — mixed —
                </option>
              )}
              <option value="false">No</option>
              <option value="true">Yes</option>
            </select>
          </Field>
        </>
      )}
      {picked && picked.specs.length > 0 && (
        <PropertyFields
          specs={picked.specs}
          values={values}
          mixed={mixed}
          errors={NO_ERRORS}
          readOnly={readOnly}
          onChange={(name, value, specLabel) => apply(`Set ${specLabel} of ${what}`, setPropertyOps(state, picked, name, value))}
        />
      )}
      {picked && picked.specs.length === 0 && !allFlows && <p className="muted small-text">These items have no property in common.</p>}
      {!readOnly && (
        <button type="button" className="danger" onClick={onDelete}>
          Delete selection
        </button>
      )}
    </div>
  )
}

function sharedValues(state: DiagramState, picked: MultiSelection): { values: Record<string, PropValue>; mixed: Set<string> } {
  const values: Record<string, PropValue> = {}
  const mixed = new Set<string>()
  for (const spec of picked.specs) {
    const value = sharedProperty(state, picked, spec.name)
    if (value.mixed) mixed.add(spec.name)
    else if (value.value !== undefined) values[spec.name] = value.value
  }
  return { values, mixed }
}

const NO_ERRORS: ReadonlyMap<string, string> = new Map()
const MIXED = '__mixed__'

const GROUP_TITLE: Record<string, string> = { general: 'Security properties', container: 'Container', kubernetes: 'Kubernetes' }
const NOT_SET = '__not_set__'

function PropertyFields({
  specs,
  values,
  mixed,
  errors,
  readOnly,
  onChange,
}: {
  specs: VocabularyProperty[]
  values: Readonly<Record<string, PropValue>>
  /** Properties whose selected items differ (several selected). */
  mixed?: ReadonlySet<string>
  errors: ReadonlyMap<string, string>
  readOnly: boolean
  onChange: (name: string, value: PropValue | null, label: string) => void
}) {
  const groups = new Map<string, VocabularyProperty[]>()
  // A map property (the facts kept from an imported file) is shown read-only by ImportedFacts.
  for (const spec of specs) if (spec.type !== 'map') groups.set(spec.group, [...(groups.get(spec.group) ?? []), spec])
  return (
    <>
      {[...groups].map(([group, list]) => (
        <fieldset key={group} className="prop-group">
          <legend>{GROUP_TITLE[group] ?? group}</legend>
          {list.map((spec) => (
            <PropertyField key={spec.name} spec={spec} value={values[spec.name]} mixed={mixed?.has(spec.name) ?? false} error={errors.get(`properties.${spec.name}`)} readOnly={readOnly} onChange={onChange} />
          ))}
        </fieldset>
      ))}
    </>
  )
}

function PropertyField({
  spec,
  value,
  mixed,
  error,
  readOnly,
  onChange,
}: {
  spec: VocabularyProperty
  value: PropValue | undefined
  mixed: boolean
  error: string | undefined
  readOnly: boolean
  onChange: (name: string, value: PropValue | null, label: string) => void
}) {
  const id = useId()
  const label = (
    <>
      {spec.label}
      {spec.required && (
        <span className="required" title="Required before the design stage can close">
          {' '}
          *
        </span>
      )}
    </>
  )
  if (spec.type === 'text') {
    return (
      <TextField
        label={label}
        value={typeof value === 'string' && value !== 'unknown' ? value : ''}
        placeholder={mixed ? 'mixed' : undefined}
        error={error}
        readOnly={readOnly}
        hint={spec.description}
        onCommit={(text) => onChange(spec.name, text === '' ? null : text, spec.label)}
      />
    )
  }
  const current = mixed ? MIXED : value === undefined ? NOT_SET : String(value)
  const options: [string, string][] =
    spec.type === 'bool'
      ? [
          ['true', 'Yes'],
          ['false', 'No'],
          ['unknown', 'Unknown'],
        ]
      : spec.values.map((option) => [String(option), option === 'unknown' ? 'Unknown' : String(option).replace(/_/g, ' ')])
  return (
    <Field id={id} label={label} error={error} hint={spec.description}>
      <select
        value={current}
        disabled={readOnly}
        className={mixed ? 'is-mixed' : current === 'unknown' ? 'is-unknown' : current === NOT_SET ? 'is-unset' : ''}
        onChange={(event) => {
          const raw = event.target.value
          const next: PropValue | null = raw === NOT_SET ? null : spec.type === 'bool' && raw !== 'unknown' ? raw === 'true' : raw
          onChange(spec.name, next, spec.label)
        }}
      >
        {mixed && (
          <option value={MIXED} disabled>
            — mixed —
          </option>
        )}
        <option value={NOT_SET}>— not set —</option>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </select>
    </Field>
  )
}

/** What the source tool recorded that has no property here: kept, exported again, not editable in the panel. */
function ImportedFacts({ facts }: { facts: ExtraFacts | undefined }) {
  const entries = Object.entries(facts ?? {})
  if (entries.length === 0) return null
  return (
    <fieldset className="prop-group imported-facts">
      <legend>From the imported file</legend>
      <dl>
        {entries.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </fieldset>
  )
}

/** A text input that commits on Enter or when it loses focus, not on every keystroke. */
function TextField({
  label,
  value,
  error,
  readOnly,
  multiline,
  required,
  hint,
  placeholder,
  onCommit,
}: {
  label: ReactNode
  value: string
  error?: string | undefined
  readOnly: boolean
  multiline?: boolean
  required?: boolean
  hint?: string
  placeholder?: string | undefined
  onCommit: (value: string) => void
}) {
  const id = useId()
  const [draft, setDraft] = useState(value)
  // After the server refused the text, keep what the user typed so it can be corrected.
  useEffect(() => {
    if (!error) setDraft(value)
  }, [value, error])
  const commit = () => {
    if (draft === value) return
    if (required && !draft.trim()) {
      setDraft(value)
      return
    }
    onCommit(draft)
  }
  const common = {
    value: draft,
    readOnly,
    placeholder,
    onChange: (event: { target: { value: string } }) => setDraft(event.target.value),
    onBlur: commit,
  }
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {multiline ? (
        <textarea {...common} rows={3} />
      ) : (
        <input
          {...common}
          type="text"
          onKeyDown={(event) => {
            if (event.key === 'Enter') commit()
            if (event.key === 'Escape') setDraft(value)
          }}
        />
      )}
    </Field>
  )
}

function CheckField({ label, checked, readOnly, onChange }: { label: string; checked: boolean; readOnly: boolean; onChange: (checked: boolean) => void }) {
  const id = useId()
  return (
    <div className="field check-field">
      <input id={id} type="checkbox" checked={checked} disabled={readOnly} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  )
}
