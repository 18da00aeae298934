/**
 * The threat drawer: everything about one threat in one place — what it is, where and why, its three
 * risk numbers with their bands, triage, rating, mitigations, status, decision and history. It
 * loads the threat's assessment (one request) and reloads it after every change it makes, telling
 * the workspace so that the gates and the heat map follow, and handing it the threat's fresh row
 * (the assessment carries it) so that the threat list follows without a request of its own.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError } from '../../api/client'
import {
  assessedThreat,
  bandChangeApi,
  mitigationApi,
  threatApi,
  type ApiThreat,
  type Assessment,
  type Control,
  type Membership,
  type Mitigation,
  type RatingOut,
} from '../../api/workflow'
import { asBand, BAND_LABEL } from '../../core/bands'
import type { SubjectLookup } from '../../core/questions'
import { STRIDE_NAMES, type EditorThreat } from '../../core/threats'
import type { VocabularyIndex } from '../../core/validation'
import type { AnswerQuestion } from '../QuestionAnswer'
import type { Capabilities } from '../../core/workflow'
import { BandChip } from '../BandChip'
import { CommentsSection } from '../CommentsSection'
import { DrawerContext, useDrawer, type DrawerContextValue } from './context'
import { DecisionSection } from './DecisionSection'
import { ExplanationSection } from './ExplanationSection'
import { HistorySection } from './HistorySection'
import { MitigationsSection } from './MitigationsSection'
import { QuestionsSection } from './QuestionsSection'
import { RatingSection } from './RatingSection'
import { StatusSection, statusWords, TriageSection } from './TriageSection'

interface Props {
  threatId: number
  modelId: number
  username: string
  caps: Capabilities
  members: readonly Membership[]
  controls: readonly Control[]
  threats: readonly EditorThreat[]
  /** Element or flow key → its name, for "on Web → DB". */
  nameOf: (key: string) => string
  /** What an unconfirmed threat's questions need: the elements and flows as drawn, and the write path. */
  questions: DrawerQuestions
  focusMitigation: number | null
  onClose: () => void
  onChanged: () => void
  /** The threat as it is after a change made here (as `GET /threats/{id}/` returns it). */
  onThreatChanged: (threat: ApiThreat) => void
  onOpenCoverage: (target: string, stride: string) => void
  onOpenAudit: () => void
}

export interface DrawerQuestions {
  lookup: SubjectLookup
  answer: AnswerQuestion
  vocab: VocabularyIndex
  canAnswer: boolean
}

export function ThreatDrawer(props: Props) {
  const { threatId, modelId, onClose, onChanged, onThreatChanged } = props
  const [assessment, setAssessment] = useState<Assessment | null>(null)
  const [modelMitigations, setModelMitigations] = useState<Mitigation[]>([])
  const [rule, setRule] = useState<{ controls: string[]; mitigation: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const heading = useRef<HTMLHeadingElement>(null)
  const ruleId = assessment ? assessedThreat(assessment).rule_id : ''

  const load = useCallback((after?: (loaded: Assessment) => void) => {
    let cancelled = false
    Promise.all([threatApi.assessment(threatId), mitigationApi.ofModel(modelId)])
      .then(([a, all]) => {
        if (cancelled) return
        setAssessment(a)
        setModelMitigations(all)
        setError(null)
        setVersion((v) => v + 1)
        after?.(a)
      })
      .catch((caught: unknown) => !cancelled && setError(caught instanceof ApiError ? caught.message : 'The threat could not be loaded.'))
    return () => {
      cancelled = true
    }
  }, [threatId, modelId])

  useEffect(() => {
    setAssessment(null)
    return load()
  }, [load])

  useEffect(() => {
    if (!ruleId) return setRule(null)
    let cancelled = false
    threatApi
      .rule(ruleId)
      .then((r) => !cancelled && setRule({ controls: r.controls ?? [], mitigation: r.mitigation ?? '' }))
      .catch(() => !cancelled && setRule(null))
    return () => {
      cancelled = true
    }
  }, [ruleId])

  // An answer given (here or elsewhere) confirms the finding or drops it: the analysis after the
  // save changes the row in the list, and the drawer reloads what it shows.
  const listed = props.threats.find((t) => t.id === threatId) ?? null
  const standing = listed ? (listed.confirmed ? 'confirmed' : 'unconfirmed') : 'gone'
  const seenStanding = useRef(standing)
  useEffect(() => {
    if (seenStanding.current === standing) return
    seenStanding.current = standing
    return load()
  }, [standing, load])

  // Keyboard users land in the drawer when it opens on another threat.
  useEffect(() => heading.current?.focus(), [threatId, assessment === null])

  const changed = useCallback(() => {
    load((fresh) => onThreatChanged(assessedThreat(fresh)))
    onChanged()
  }, [load, onChanged, onThreatChanged])

  const context: DrawerContextValue | null = useMemo(
    () =>
      assessment
        ? {
            threatId,
            modelId,
            username: props.username,
            caps: props.caps,
            members: props.members,
            controls: props.controls,
            assessment,
            modelMitigations,
            rule,
            changed,
          }
        : null,
    [assessment, threatId, modelId, props.username, props.caps, props.members, props.controls, modelMitigations, rule, changed],
  )

  return (
    <aside className="drawer" aria-label="Threat" onKeyDown={(event) => event.key === 'Escape' && (event.stopPropagation(), onClose())}>
      <div className="drawer-top">
        <span className="muted small-text">Threat</span>
        <button type="button" className="small" onClick={onClose} aria-label="Close the threat drawer">
          Close
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!assessment && !error && <p className="muted drawer-loading">Loading the threat…</p>}
      {context && assessment && (
        <DrawerContext.Provider value={context}>
          <DrawerBody key={version} {...props} assessment={assessment} heading={heading} />
        </DrawerContext.Provider>
      )}
    </aside>
  )
}

function DrawerBody({
  assessment,
  heading,
  threats,
  nameOf,
  focusMitigation,
  caps,
  questions,
  onOpenCoverage,
  onOpenAudit,
}: Props & { assessment: Assessment; heading: React.RefObject<HTMLHeadingElement | null> }) {
  const threat = assessedThreat(assessment)
  const target = threat.flow_key || threat.element_key
  const { risk } = assessment
  const listed = threats.find((t) => t.id === threat.id) ?? null
  return (
    <div className="drawer-body">
      <header className="drawer-head">
        <span className={`stride stride-${threat.stride}`} aria-label={STRIDE_NAMES[threat.stride] ?? threat.stride} title={STRIDE_NAMES[threat.stride]}>
          {threat.stride}
        </span>
        <div>
          <h2 ref={heading} tabIndex={-1} id="drawer-title">
            {threat.title}
          </h2>
          <p className="muted small-text">
            {STRIDE_NAMES[threat.stride] ?? threat.stride}
            {target ? ` on ${nameOf(target)}` : ''} · <span className={`status status-${threat.status}`}>{statusWords(threat.status)}</span>
            {!threat.confirmed && threat.status !== 'obsolete' && (
              <>
                {' · '}
                <span className="unconfirmed-tag">unconfirmed</span>
              </>
            )}
            {threat.rule_id ? ` · rule ${threat.rule_id}` : ' · written by hand'}
          </p>
        </div>
      </header>
      <QuestionsSection
        listed={listed}
        wasUnconfirmed={!threat.confirmed}
        lookup={questions.lookup}
        vocab={questions.vocab}
        canAnswer={questions.canAnswer}
        onAnswer={questions.answer}
      />
      <ExplanationSection explained={assessment.explained} />
      <section className="drawer-section risk-numbers" aria-label="Risk">
        <RiskLine label="Inherent" rating={risk.inherent} />
        <RiskLine label="Projected" rating={risk.projected} />
        <RiskLine label="Verified" rating={risk.verified} />
        <p className="muted small-text">
          Projected counts planned, implemented and verified mitigations; verified only those verified with evidence. Risk policy v
          {assessment.risk_policy.version}.
        </p>
      </section>
      {assessment.band_changes.length > 0 && <BandChanges assessment={assessment} canAcknowledge={caps.edit} />}
      <TriageSection threats={threats} />
      <RatingSection />
      <MitigationsSection focus={focusMitigation} />
      <StatusSection />
      <DecisionSection />
      {target && (
        <p>
          <button type="button" className="link" onClick={() => onOpenCoverage(target, threat.stride)}>
            STRIDE coverage of {nameOf(target)}
          </button>
        </p>
      )}
      <CommentsSection subject={{ threat: threat.id }} label="this threat" />
      <HistorySection onOpenAudit={onOpenAudit} />
    </div>
  )
}

function RiskLine({ label, rating }: { label: string; rating: RatingOut | null }) {
  return (
    <p className="risk-line">
      <span className="risk-line-label">{label}</span>
      {rating ? (
        <BandChip band={asBand(rating.band)} score={rating.score} likelihood={rating.likelihood} impact={rating.impact} />
      ) : (
        <BandChip band="unrated" />
      )}
    </p>
  )
}

function BandChanges({ assessment, canAcknowledge }: { assessment: Assessment; canAcknowledge: boolean }) {
  const [problem, setProblem] = useState<string | null>(null)
  return (
    <section className="drawer-section band-changes" aria-label="Band changes">
      {assessment.band_changes.map((change) => (
        <p key={change.id}>
          ⚠ Under risk policy v{change.policy_version}: {bandMoves(change.before, change.after)}.{' '}
          {canAcknowledge && <AcknowledgeButton id={change.id} onProblem={setProblem} />}
        </p>
      ))}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}

/** "inherent tolerable → unacceptable" for each measure whose band moved. */
function bandMoves(before: unknown, after: unknown): string {
  const b = (before ?? {}) as Record<string, unknown>
  const a = (after ?? {}) as Record<string, unknown>
  const moves = Object.keys(a)
    .filter((measure) => b[measure] !== a[measure])
    .map((measure) => `${measure} ${BAND_LABEL[asBand(String(b[measure] ?? ''))].toLowerCase()} → ${BAND_LABEL[asBand(String(a[measure] ?? ''))].toLowerCase()}`)
  return moves.length > 0 ? moves.join('; ') : 'its band moved'
}

function AcknowledgeButton({ id, onProblem }: { id: number; onProblem: (message: string) => void }) {
  const { changed } = useDrawer()
  return (
    <button
      type="button"
      className="small"
      onClick={() =>
        bandChangeApi
          .acknowledge(id)
          .then(changed)
          .catch((caught: unknown) => onProblem(caught instanceof Error ? caught.message : 'Not acknowledged.'))
      }
    >
      Acknowledge
    </button>
  )
}
