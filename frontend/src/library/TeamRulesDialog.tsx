/**
 * A team's own rules: the list, and the YAML of one with Check & preview (nothing written), Save
 * (a new version, disabled until enabled) and Enable / Disable. Problems come back with their line
 * and are shown beside the text in line order; the preview says what the rule would raise on each of
 * the team's models. Members read; editors and owners write (the server says so too).
 */
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from '../api/client'
import type { Team } from '../api/endpoints'
import { teamRulesApi, type TeamRule, type TeamRuleCheck } from '../api/library'
import { TeamField } from '../components/Select'
import { problemTexts, problemsOfDetails, ruleTemplate, type RuleProblem } from '../core/team-rules'
import { Modal } from '../workflow/Modal'

type Outcome = { message: string; problems: RuleProblem[] } | null

function outcomeOf(error: unknown, fallback: string): Outcome {
  if (error instanceof ApiError) return { message: error.message, problems: problemsOfDetails(error.details) }
  return { message: fallback, problems: [] }
}

export function TeamRulesDialog({ teams, onClose }: { teams: readonly Team[]; onClose: () => void }) {
  const [teamId, setTeamId] = useState<number | null>(teams[0]?.id ?? null)
  const team = teams.find((t) => t.id === teamId) ?? null
  const canWrite = team !== null && (team.role === 'owner' || team.role === 'editor')
  const [rows, setRows] = useState<TeamRule[] | null>(null)
  const [editing, setEditing] = useState<TeamRule | null>(null)
  const [text, setText] = useState('')
  const [check, setCheck] = useState<TeamRuleCheck | null>(null)
  const [refused, setRefused] = useState<Outcome>(null)
  const [busy, setBusy] = useState(false)

  const load = useCallback(() => {
    if (teamId === null) return
    teamRulesApi.list(teamId).then(
      (page) => setRows(page.results),
      (error: unknown) => setRefused(outcomeOf(error, 'The team rules could not be loaded.')),
    )
  }, [teamId])
  useEffect(load, [load])

  const open = (row: TeamRule | null) => {
    setEditing(row)
    setText(row ? row.yaml : ruleTemplate(team?.slug ?? 'team'))
    setCheck(null)
    setRefused(null)
  }

  const run = async (what: () => Promise<void>) => {
    setBusy(true)
    setRefused(null)
    try {
      await what()
    } catch (error) {
      setRefused(outcomeOf(error, 'The server refused it.'))
    } finally {
      setBusy(false)
    }
  }

  const preview = () =>
    run(async () => {
      if (teamId !== null) setCheck(await teamRulesApi.preview(teamId, text))
    })
  const save = () =>
    run(async () => {
      if (teamId === null) return
      const answer = editing ? await teamRulesApi.update(editing.id, text) : await teamRulesApi.create(teamId, text)
      setEditing(answer.rule)
      setCheck(answer.check)
      load()
    })
  const toggle = () =>
    run(async () => {
      if (!editing) return
      const answer = editing.enabled ? await teamRulesApi.disable(editing.id) : await teamRulesApi.enable(editing.id)
      setEditing(answer.rule)
      setCheck(answer.check)
      load()
    })

  const problems = refused?.problems.length ? refused.problems : (check?.problems ?? [])
  const lines = text.split('\n').length

  return (
    <Modal title="Team rules" onClose={onClose} wide closeOnBackdrop={false}>
      <TeamField teams={teams} team={teamId} onChange={(id) => { setTeamId(id); setEditing(null); setText('') }} />
      <div className="team-rules">
        <section aria-label="Rules of the team" className="team-rules-list">
          {rows === null ? (
            <p className="muted">Loading…</p>
          ) : rows.length === 0 ? (
            <p className="muted small-text">No team rules yet.</p>
          ) : (
            <ul>
              {rows.map((row) => (
                <li key={row.id}>
                  <button type="button" className={`link${editing?.id === row.id ? ' chosen' : ''}`} onClick={() => open(row)}>
                    {row.rule_id}
                  </button>{' '}
                  <span className={`rule-state ${row.enabled ? 'on' : 'off'}`}>{row.enabled ? 'enabled' : 'disabled'}</span>{' '}
                  <span className="muted small-text">
                    v{row.version} · {row.title}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {canWrite && (
            <button type="button" onClick={() => open(null)}>
              New rule…
            </button>
          )}
        </section>
        {(editing !== null || text !== '') && (
          <section aria-label="Rule YAML" className="team-rules-editor">
            <label htmlFor="team-rule-yaml">
              {editing ? `${editing.rule_id} (version ${editing.version}, ${editing.enabled ? 'enabled' : 'disabled'})` : 'New rule'} — YAML, as in
              stride/rules/
            </label>
            <textarea
              id="team-rule-yaml"
              className="code"
              value={text}
              onChange={(e) => setText(e.target.value)}
              rows={Math.min(28, Math.max(12, lines + 1))}
              spellCheck={false}
              wrap="off"
              readOnly={!canWrite}
            />
            <div className="modal-actions">
              <button type="button" disabled={busy || !text.trim()} onClick={preview}>
                Check &amp; preview
              </button>
              {canWrite && (
                <button type="button" disabled={busy || !text.trim()} onClick={save}>
                  {editing ? 'Save new version' : 'Save (disabled)'}
                </button>
              )}
              {canWrite && editing && (
                <button type="button" className="primary" disabled={busy} onClick={toggle}>
                  {editing.enabled ? 'Disable' : 'Enable'}
                </button>
              )}
            </div>
            {refused && <p className="form-error" role="alert">{refused.message}</p>}
            {problems.length > 0 && (
              <ul className="rule-problems" aria-label="Problems">
                {problemTexts(problems).map((line, i) => (
                  <li key={i}>
                    <code>{line}</code>
                  </li>
                ))}
              </ul>
            )}
            {check && <CheckSummary check={check} />}
          </section>
        )}
      </div>
    </Modal>
  )
}

function CheckSummary({ check }: { check: TeamRuleCheck }) {
  return (
    <div role="status" className="rule-check">
      <p>
        {check.valid ? (
          <strong>Valid: it fires on {check.examples.fired.join(', ')} and stays quiet on {check.examples.quiet.join(', ')}.</strong>
        ) : (
          <strong>Not valid yet: it cannot be enabled.</strong>
        )}
      </p>
      {check.warnings.map((warning) => (
        <p key={warning} className="form-error">
          {warning}
        </p>
      ))}
      {check.models.length > 0 && (
        <table className="rule-preview">
          <caption className="muted small-text">What it would raise on the team’s models (nothing is written)</caption>
          <thead>
            <tr>
              <th>Model</th>
              <th>Fires</th>
              <th>Asks</th>
              <th>First subjects</th>
            </tr>
          </thead>
          <tbody>
            {check.models.map((model) => (
              <tr key={model.threat_model}>
                <td>{model.name}</td>
                <td>
                  {model.fires} of {model.subjects}
                </td>
                <td>{model.asks}</td>
                <td className="small-text">{model.first.map((s) => s.flow_key ?? s.element_key).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
