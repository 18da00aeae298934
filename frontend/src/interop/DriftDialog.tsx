/**
 * Re-import manifests into the open diagram: the drift check (docs/manifests.md). The files are
 * sent as a dry run first, and the preview lists what they add, change and remove, and what stays
 * as people drew it; Apply sends them again with the version the preview was of, so a diagram
 * someone changed meanwhile is refused (409) and nothing is written.
 */
import { useMemo, useState } from 'react'
import { ApiError } from '../api/client'
import { interopApi, type ManifestSyncResult } from '../api/interop'
import { refusalOf } from '../core/interop'
import { diagramManifestFormat, driftCounts, driftPreview, reopenedLines, staleText, type ManifestFormat } from '../core/manifests'
import type { DiagramState } from '../core/types'
import { Field } from '../components/Field'
import { Modal } from '../workflow/Modal'
import { DriftList } from './DriftList'
import { Refusal } from './Refusal'

export type AppliedSync = NonNullable<ManifestSyncResult['result']> & { reopened: ManifestSyncResult['reopened'] }

interface Props {
  diagramId: number
  state: DiagramState
  /** Edits not yet saved: the server compares with the saved diagram, so Apply waits for them. */
  unsaved: boolean
  labelOf: (target: string, name: string) => string
  onClose: () => void
  onApplied: (result: AppliedSync) => void
}

type Refused = { message: string; problems: string[] }

export function DriftDialog({ diagramId, state, unsaved, labelOf, onClose, onApplied }: Props) {
  const [files, setFiles] = useState<File[]>([])
  const [format, setFormat] = useState<ManifestFormat>(() => diagramManifestFormat(state) ?? 'kubernetes')
  const [answer, setAnswer] = useState<ManifestSyncResult | null>(null)
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null)
  const [refusal, setRefusal] = useState<Refused | null>(null)
  const [stale, setStale] = useState<string | null>(null)
  const preview = useMemo(
    () => answer && driftPreview(answer.changes, { current: state, labelOf }),
    [answer, state, labelOf],
  )

  const reset = () => (setAnswer(null), setRefusal(null), setStale(null))
  const run = async (which: 'preview' | 'apply') => {
    setBusy(which)
    setRefusal(null)
    try {
      if (which === 'preview') {
        setAnswer(await interopApi.syncFromManifests(diagramId, { files, format }))
        setStale(null)
      } else if (answer) {
        const applied = await interopApi.syncFromManifests(diagramId, { files, format, baseVersion: answer.base_version })
        if (applied.result) onApplied({ ...applied.result, reopened: applied.reopened })
      }
    } catch (error) {
      if (which === 'apply' && answer && error instanceof ApiError && error.status === 409) setStale(staleText(answer.base_version, error.extra.current_version))
      else setRefusal(refusalOf(error, 'The files could not be sent.'))
    } finally {
      setBusy(null)
    }
  }

  return (
    <Modal title="Re-import manifests" onClose={onClose} wide>
      <p className="muted small-text">
        Compare this diagram with the files as they are now: what they add, change and remove is listed first; nothing changes until you apply it.
        What people drew that does not come from the files is kept.
      </p>
      <Field label="Manifest files" hint="The same set as the first import, as it is now: several files are one set.">
        <input type="file" multiple accept=".yaml,.yml,.json" onChange={(event) => (setFiles([...(event.target.files ?? [])]), reset())} />
      </Field>
      <Field label="The files are">
        <select value={format} onChange={(event) => (setFormat(event.target.value as ManifestFormat), reset())}>
          <option value="kubernetes">Kubernetes manifests</option>
          <option value="compose">Docker Compose</option>
        </select>
      </Field>
      <Refusal refusal={refusal} />
      {answer && preview && (
        <div className="drift-answer" role="status">
          <p className="drift-counts">
            <strong>{driftCounts(answer.changes)}</strong> <span className="muted">(compared with version {answer.base_version})</span>
          </p>
          {answer.warnings.length > 0 && (
            <details className="import-warnings">
              <summary>{answer.warnings.length} warning{answer.warnings.length === 1 ? '' : 's'}</summary>
              <ul>{answer.warnings.map((warning, i) => <li key={i}>{warning}</li>)}</ul>
            </details>
          )}
          {answer.reopened.length > 0 && (
            <div className="drift-reopens" role="alert">
              <p>
                <strong>
                  Applying reopens {answer.reopened.length === 1 ? 'a verified mitigation' : `${answer.reopened.length} verified mitigations`}
                </strong>
                : the files declare what {answer.reopened.length === 1 ? 'it is' : 'they are'} meant to prevent, so {answer.reopened.length === 1 ? 'it goes' : 'they go'} back
                to implemented and {answer.reopened.length === 1 ? 'its' : 'their'} mitigated threats open again.
              </p>
              <ul>
                {reopenedLines(answer.reopened).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </div>
          )}
          <DriftList preview={preview} />
        </div>
      )}
      {stale && (
        <p className="import-refusal drift-stale" role="alert">
          {stale}
        </p>
      )}
      {unsaved && <p className="form-error">This diagram has edits not saved yet: apply once they are saved.</p>}
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className={answer && !stale ? '' : 'primary'} disabled={files.length === 0 || busy !== null} onClick={() => void run('preview')}>
          {busy === 'preview' ? 'Comparing…' : answer ? 'Preview again' : 'Preview the changes'}
        </button>
        {answer && !stale && (
          <button type="button" className="primary" disabled={answer.operations === 0 || unsaved || busy !== null} onClick={() => void run('apply')}>
            {busy === 'apply' ? 'Applying…' : `Apply (${answer.operations} operation${answer.operations === 1 ? '' : 's'})`}
          </button>
        )}
      </div>
    </Modal>
  )
}
