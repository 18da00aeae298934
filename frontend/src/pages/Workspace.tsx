/**
 * The model workspace: stage bar, toolbar, palette, diagram tabs with the canvas, the threat drawer,
 * and a right-hand panel with Properties, Threats and Risk. It loads the document and the
 * vocabulary once, keeps one editing session per diagram (so switching tabs keeps unsaved edits),
 * and reloads the threats and the workflow (gates, heat map) after every save the server accepted
 * and every change made in the drawer, a bulk action or a stage move. A gate item's link lands
 * here: it switches the diagram and centres an element, opens a threat, or opens the coverage view.
 */
import { ReactFlowProvider } from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { diagrams as diagramApi, models, vocabulary as vocabularyApi, type MeWithTeams } from '../api/endpoints'
import { analysisQueued, loadThreats, threatsFromDocument, waitForAnalysis } from '../api/threats'
import { DiagramSession, type OpsResult, type Transport } from '../core/diagram-session'
import { diagramState, findDiagram } from '../core/mapping'
import type { EditorThreat } from '../core/threats'
import type { DocumentModel } from '../core/types'
import { indexVocabulary, type VocabularyIndex } from '../core/validation'
import { DiagramTabs } from '../editor/DiagramTabs'
import { WorkspaceBody } from '../editor/WorkspaceBody'
import { navigate } from '../router'
import { AppHeader } from './AppHeader'
import {
  bandChangeApi,
  catalogueApi,
  decisionApi,
  mitigationApi,
  workflow,
  type Control,
  type GateItem,
  type Membership,
} from '../api/workflow'
import { asBand, DEFAULT_THRESHOLDS } from '../core/bands'
import { gateTarget, itemTargetKey, type GateTarget } from '../core/gate-targets'
import { placements as placeThreats, refreshFilter, stageMeasure, type Measure, type ThreatFilter } from '../core/heat-map'
import { asStage, capabilities, type Stage } from '../core/workflow'
import type { WorkspaceWorkflow } from '../editor/WorkspaceBody'
import { BulkDialog, type BulkKind } from '../workflow/BulkDialog'
import { CoverageView } from '../workflow/CoverageView'
import { ThreatDrawer } from '../workflow/drawer/ThreatDrawer'
import { StageBar } from '../workflow/StageBar'
import { useWorkflow } from '../workflow/useWorkflow'
import { VersionsDialog } from '../workflow/VersionsDialog'
import { ReportDialog } from '../interop/ReportDialog'

interface Props {
  me: MeWithTeams
  modelId: number
  diagramId: number | null
  onSignOut: () => void
}

export function Workspace({ me, modelId, diagramId, onSignOut }: Props) {
  const [doc, setDoc] = useState<DocumentModel | null>(null)
  const [vocab, setVocab] = useState<VocabularyIndex | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [threats, setThreats] = useState<EditorThreat[] | null>(null)
  const [threatError, setThreatError] = useState<string | null>(null)
  const [analysing, setAnalysing] = useState(false)
  const [active, setActive] = useState<number | null>(null)
  const [unsaved, setUnsaved] = useState<ReadonlySet<number>>(new Set())
  const sessions = useRef(new Map<number, DiagramSession>())
  const docRef = useRef<DocumentModel | null>(null)
  docRef.current = doc

  useEffect(() => {
    let cancelled = false
    Promise.all([models.document(modelId), vocabularyApi.get()])
      .then(([document, vocabulary]) => {
        if (cancelled) return
        setDoc(document)
        setVocab(indexVocabulary(vocabulary))
        setThreats(threatsFromDocument(document.threats))
        const wanted = document.diagrams.find((d) => d.id === diagramId) ?? document.diagrams[0]
        setActive(wanted?.id ?? null)
      })
      .catch((error: unknown) => !cancelled && setLoadError(error instanceof ApiError ? error.message : 'The model could not be loaded.'))
    return () => {
      cancelled = true
    }
  }, [modelId, diagramId])

  // Several saves in a row ask once; a reload in flight is followed by one more.
  const threatLoad = useRef<{ running: boolean; again: boolean }>({ running: false, again: false })
  const refreshThreats = useCallback(() => {
    const state = threatLoad.current
    if (state.running) {
      state.again = true
      return
    }
    state.running = true
    loadThreats(modelId)
      .then((list) => {
        setThreats(list)
        setThreatError(null)
      })
      .catch((error: unknown) => setThreatError(error instanceof Error ? error.message : 'error'))
      .finally(() => {
        state.running = false
        if (state.again) {
          state.again = false
          refreshThreats()
        }
      })
  }, [modelId])

  const wf = useWorkflow(modelId)
  const refreshWorkflow = wf.refresh

  const afterSave = useCallback(
    (result: OpsResult) => {
      // Every saved diagram change can move the gates (a property set, a boundary drawn, drift).
      refreshWorkflow()
      if (!analysisQueued(result)) {
        refreshThreats()
        return
      }
      setAnalysing(true)
      waitForAnalysis(modelId)
        .then((list) => {
          setThreats(list)
          setThreatError(null)
        })
        .catch((error: unknown) => setThreatError(error instanceof Error ? error.message : 'error'))
        .finally(() => {
          setAnalysing(false)
          refreshWorkflow()
        })
    },
    [modelId, refreshThreats, refreshWorkflow],
  )

  const transport: Transport = useMemo(
    () => ({
      postOps: (id, base, ops) => diagramApi.ops(id, base, ops),
      loadDiagram: async (id) => {
        const fresh = await models.document(modelId)
        setDoc(fresh)
        setThreats(threatsFromDocument(fresh.threats))
        const diagram = findDiagram(fresh, id)
        if (!diagram) throw new ApiError(404, 'This diagram was deleted by someone else.', 'not_found')
        return { version: diagram.version, state: diagramState(fresh, id) }
      },
    }),
    [modelId],
  )

  const sessionFor = useCallback(
    (id: number): DiagramSession | null => {
      const existing = sessions.current.get(id)
      if (existing) return existing
      const current = docRef.current
      const diagram = current ? findDiagram(current, id) : undefined
      if (!current || !diagram || !vocab) return null
      const session = new DiagramSession({
        diagramId: id,
        version: diagram.version,
        state: diagramState(current, id),
        transport,
        vocab,
        onSaved: afterSave,
      })
      session.subscribe(() =>
        setUnsaved((prev) => {
          const has = prev.has(id)
          if (has === session.unsaved) return prev
          const next = new Set(prev)
          if (session.unsaved) next.add(id)
          else next.delete(id)
          return next
        }),
      )
      sessions.current.set(id, session)
      return session
    },
    [transport, vocab, afterSave],
  )

  useEffect(() => {
    const all = sessions.current
    const warn = (event: BeforeUnloadEvent) => {
      if ([...all.values()].some((session) => session.unsaved)) event.preventDefault()
    }
    window.addEventListener('beforeunload', warn)
    // Sessions are not stopped when the workspace closes: edits still pending keep being sent
    // (and retried) in the background until the server has them.
    return () => window.removeEventListener('beforeunload', warn)
  }, [])

  const teamRole = me.teams.find((team) => team.id === doc?.team)?.role
  const role = wf.gates?.your_role ?? teamRole ?? null
  const canWrite = role === 'owner' || role === 'editor'
  const stage: Stage = asStage(wf.gates?.stage ?? doc?.stage)
  const caps = useMemo(() => capabilities(role, stage), [role, stage])

  // --- the workflow around the diagram --------------------------------------------------------
  const [drawer, setDrawer] = useState<{ threatId: number; mitigation: number | null } | null>(null)
  const [coverageView, setCoverageView] = useState<{ target: string; stride: string } | null | false>(false)
  const [versions, setVersions] = useState<'versions' | 'audit' | null>(null)
  const [focus, setFocus] = useState<{ key: string; nonce: number } | null>(null)
  const [filter, setFilter] = useState<ThreatFilter | null>(null)
  const [measure, setMeasure] = useState<Measure>(stageMeasure(stage))
  const [bulk, setBulk] = useState<{ kind: BulkKind; threats: EditorThreat[] } | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [reportOpen, setReportOpen] = useState(false)
  const [members, setMembers] = useState<Membership[]>([])
  const [controls, setControls] = useState<Control[]>([])
  const teamId = doc?.team ?? null

  useEffect(() => {
    if (teamId === null) return
    let cancelled = false
    Promise.all([catalogueApi.members(teamId), catalogueApi.controls()])
      .then(([m, c]) => {
        if (cancelled) return
        setMembers(m)
        setControls(c)
      })
      .catch(() => undefined) // the forms still work; the selects are only emptier
    return () => {
      cancelled = true
    }
  }, [teamId])

  // The heat map opens on the measure the stage's gate reads (the user may switch).
  useEffect(() => setMeasure(stageMeasure(stage)), [stage])

  const heat = wf.heat
  useEffect(() => {
    if (heat) setFilter((current) => (current ? refreshFilter(heat, current) : current))
  }, [heat])
  const placements = useMemo(() => (heat ? placeThreats(heat) : new Map()), [heat])

  const refreshAll = useCallback(() => {
    refreshThreats()
    refreshWorkflow()
  }, [refreshThreats, refreshWorkflow])

  const threatsRef = useRef(threats)
  threatsRef.current = threats
  const targetOf = useCallback(
    (item: GateItem): GateTarget =>
      gateTarget(item, {
        diagramOf: (key) => {
          for (const [id, s] of sessions.current) if (s.state.elements.has(key) || s.state.flows.has(key)) return id
          const current = docRef.current
          const holder = current?.diagrams.find((d) => d.elements.some((e) => e.key === key) || d.flows.some((f) => f.key === key))
          return holder?.id ?? null
        },
        threatByFingerprint: (fingerprint) => threatsRef.current?.find((t) => t.fingerprint === fingerprint)?.id ?? null,
      }),
    [],
  )

  const activeRef = useRef(active)
  activeRef.current = active
  const onTarget = useCallback(
    (item: GateItem) => {
      const target = targetOf(item)
      const failed = (caught: unknown) => setNotice(caught instanceof Error ? caught.message : 'That could not be opened.')
      switch (target.kind) {
        case 'canvas': {
          const diagramId = target.diagramId ?? activeRef.current
          if (diagramId !== null && diagramId !== activeRef.current) {
            setActive(diagramId)
            window.history.replaceState(null, '', `/models/${modelId}/diagrams/${diagramId}/`)
          }
          setFocus((prev) => ({ key: target.key, nonce: (prev?.nonce ?? 0) + 1 }))
          return
        }
        case 'threat':
          setDrawer({ threatId: target.threatId, mitigation: null })
          return
        case 'mitigation':
          mitigationApi.get(target.mitigationId).then((m) => {
            const first = m.threats[0]
            if (first === undefined) setNotice(`Mitigation ${m.ref} answers no threat.`)
            else setDrawer({ threatId: first, mitigation: m.id })
          }, failed)
          return
        case 'decision':
          decisionApi.get(target.decisionId).then((d) => setDrawer({ threatId: d.threat, mitigation: null }), failed)
          return
        case 'coverage':
          setCoverageView({ target: target.target, stride: target.stride })
          return
        case 'analyse':
          if (role !== 'owner' && role !== 'editor') {
            setNotice('An editor runs the analysis.')
            return
          }
          workflow.analyse(modelId).then((result) => {
            setNotice(`Analysis done: ${result.new} new, ${result.obsolete} no longer apply, ${result.kept} kept.`)
            refreshAll()
          }, failed)
          return
        case 'draw-boundary':
          document.querySelector<HTMLElement>('[data-stencil="trust_boundary"]')?.focus()
          setNotice('Add a trust boundary from the palette (press Enter on it, or drag it onto the canvas), then put elements inside it.')
          return
        case 'band-changes':
          bandChangeApi.open(modelId).then((changes) => {
            const first = changes[0]
            if (first) setDrawer({ threatId: first.threat, mitigation: null })
            else refreshWorkflow()
          }, failed)
          return
        case 'none':
          return
      }
    },
    [targetOf, modelId, role, refreshAll, refreshWorkflow],
  )

  const onAdvance = useCallback(
    async (to: Stage, note: string) => {
      // A refusal (someone else changed the model meanwhile) is shown by the bar; the gates reload.
      const change = await workflow.advance(modelId, to, note).catch((error: unknown) => {
        refreshWorkflow()
        throw error
      })
      wf.setGates(change.gates)
      setDoc((prev) => (prev ? { ...prev, stage: change.stage } : prev))
      if (change.snapshot) setNotice(`Approved. Version ${change.snapshot.number} of the model is frozen; History shows it.`)
      else setNotice(null)
      refreshAll()
    },
    [modelId, wf.setGates, refreshAll, refreshWorkflow],
  )

  const onReopen = useCallback(
    async (to: Stage, reason: string) => {
      const change = await workflow.reopen(modelId, to, reason)
      wf.setGates(change.gates)
      setDoc((prev) => (prev ? { ...prev, stage: change.stage } : prev))
      setNotice(`Reopened: back to ${change.stage}.`)
      refreshAll()
    },
    [modelId, wf.setGates, refreshAll],
  )

  const openThreat = useCallback((id: number | null) => setDrawer(id === null ? null : { threatId: id, mitigation: null }), [])
  const onBulk = useCallback((kind: BulkKind, list: EditorThreat[]) => setBulk({ kind, threats: list }), [])
  const policy = wf.gates?.risk_policy ?? wf.heat?.risk_policy ?? null

  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(() => setNotice(null), 12000)
    return () => clearTimeout(timer)
  }, [notice])

  const selectDiagram = useCallback(
    (id: number) => {
      setActive(id)
      window.history.replaceState(null, '', `/models/${modelId}/diagrams/${id}/`)
    },
    [modelId],
  )

  const addDiagram = useCallback(async () => {
    try {
      const count = docRef.current?.diagrams.length ?? 0
      const created = await diagramApi.create(modelId, `Diagram ${count + 1}`)
      const fresh = await models.document(modelId)
      setDoc(fresh)
      selectDiagram(created.id)
    } catch (error) {
      setLoadError(error instanceof ApiError ? error.message : 'The diagram could not be created.')
    }
  }, [modelId, selectDiagram])

  const renameDiagram = useCallback(async (id: number, name: string) => {
    try {
      await diagramApi.rename(id, name)
      setDoc((prev) => (prev ? { ...prev, diagrams: prev.diagrams.map((d) => (d.id === id ? { ...d, name } : d)) } : prev))
    } catch (error) {
      setLoadError(error instanceof ApiError ? error.message : 'The diagram could not be renamed.')
    }
  }, [])

  if (loadError && !doc) {
    return (
      <div className="page">
        <AppHeader me={me} onSignOut={onSignOut} />
        <p className="page-message" role="alert">
          {loadError}{' '}
          <a href="/" onClick={(event) => (event.preventDefault(), navigate('/'))}>
            Back to the models
          </a>
        </p>
      </div>
    )
  }
  if (!doc || !vocab) return <p className="page-message">Loading the model…</p>

  const session = active !== null ? sessionFor(active) : null
  const nameOf = (key: string): string => {
    for (const s of sessions.current.values()) {
      const element = s.state.elements.get(key)
      if (element) return element.name
      const f = s.state.flows.get(key)
      if (f) return f.label || key
    }
    for (const d of doc.diagrams) {
      const element = d.elements.find((e) => e.key === key)
      if (element) return element.name
      const f = d.flows.find((x) => x.key === key)
      if (f) return f.label || key
    }
    return key
  }
  const bodyWorkflow: WorkspaceWorkflow = {
    policy: policy ?? DEFAULT_THRESHOLDS,
    heat,
    placements,
    measure,
    setMeasure,
    filter,
    setFilter,
    caps,
    drawerThreat: drawer?.threatId ?? null,
    openThreat,
    onBulk,
    focus,
    modelTools: (
      <>
        <button type="button" onClick={() => setCoverageView(null)} title="STRIDE coverage of every element and flow">
          Coverage
        </button>
        <button type="button" onClick={() => setVersions('versions')} title="Versions, comparisons and the audit trail">
          History
        </button>
        <button type="button" onClick={() => setReportOpen(true)} title="The PDF report for the review board">
          Report
        </button>
      </>
    ),
    drawer: drawer ? (
      <ThreatDrawer
        key={drawer.threatId}
        threatId={drawer.threatId}
        modelId={modelId}
        username={me.username}
        caps={caps}
        members={members}
        controls={controls}
        threats={threats ?? []}
        nameOf={nameOf}
        focusMitigation={drawer.mitigation}
        onClose={() => setDrawer(null)}
        onChanged={refreshAll}
        onOpenCoverage={(target, stride) => setCoverageView({ target, stride })}
        onOpenAudit={() => setVersions('audit')}
      />
    ) : null,
  }
  return (
    <div className="workspace">
      <AppHeader me={me} onSignOut={onSignOut}>
        <span className="model-name">{doc.name}</span>
      </AppHeader>
      <StageBar
        gates={wf.gates}
        stage={stage}
        role={role}
        loadError={wf.error}
        targetOf={targetOf}
        onTarget={onTarget}
        onAdvance={onAdvance}
        onReopen={onReopen}
        heat={heat}
        where={(item) => {
          const key = itemTargetKey(item)
          return key ? nameOf(key) : null
        }}
      />
      {(loadError || notice) && (
        <div className="ws-notices">
          {loadError && (
            <p className="form-error banner" role="alert">
              {loadError}
            </p>
          )}
          {notice && (
            <p className="notice-banner" role="status">
              {notice}{' '}
              <button type="button" className="small" onClick={() => setNotice(null)}>
                Dismiss
              </button>
            </p>
          )}
        </div>
      )}
      <ReactFlowProvider key={active ?? 0}>
        {session ? (
          <WorkspaceBody
            key={session.diagramId}
            session={session}
            doc={doc}
            vocab={vocab}
            threats={threats}
            threatError={threatError}
            analysing={analysing}
            canWrite={canWrite}
            wf={bodyWorkflow}
            tabs={
              <DiagramTabs
                tabs={doc.diagrams.map((d) => ({ id: d.id, name: d.name }))}
                active={session.diagramId}
                unsaved={unsaved}
                canWrite={canWrite}
                onSelect={selectDiagram}
                onAdd={addDiagram}
                onRename={renameDiagram}
              />
            }
          />
        ) : (
          <div className="page-message">
            <p>This model has no diagram yet.</p>
            {canWrite && (
              <button type="button" className="primary" onClick={addDiagram}>
                Add a diagram
              </button>
            )}
          </div>
        )}
      </ReactFlowProvider>
      {bulk && (
        <BulkDialog
          kind={bulk.kind}
          threats={bulk.threats}
          modelId={modelId}
          members={members}
          controls={controls}
          policy={policy ?? { acceptance_max_days: 365, exception_max_days: 90 }}
          projectedBand={(id) => asBand(placements.get(id)?.projected?.band)}
          onClose={() => setBulk(null)}
          onDone={refreshAll}
        />
      )}
      {coverageView !== false && (
        <CoverageView
          modelId={modelId}
          canEdit={caps.edit}
          focus={coverageView}
          onOpenThreat={(id) => {
            setCoverageView(false)
            setDrawer({ threatId: id, mitigation: null })
          }}
          onClose={() => setCoverageView(false)}
          onChanged={refreshAll}
        />
      )}
      {reportOpen && <ReportDialog modelId={modelId} onClose={() => setReportOpen(false)} />}
      {versions && <VersionsDialog modelId={modelId} canSave={canWrite} initialTab={versions} onClose={() => setVersions(null)} />}
    </div>
  )
}
