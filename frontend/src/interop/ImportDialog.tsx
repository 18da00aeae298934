/**
 * Import a model from a file: ours, Open Threat Model (JSON or YAML), Threat Dragon, Microsoft
 * TMT, or Kubernetes manifests and compose files — several of those at once, one manifest set. The
 * format is read from the file names when only one format fits them, and is otherwise left to the
 * server, which detects it from the content; the user may name it. An import is all or nothing: a
 * refusal lists every problem with its place (file, document, field), and a success lists what was
 * created and everything the server adapted on the way (its warnings).
 */
import { useEffect, useState } from 'react'
import type { Team } from '../api/endpoints'
import { interopApi, type Formats, type ImportResult } from '../api/interop'
import { acceptAttribute, formatForFile, refusalOf, sizeText, summaryLines } from '../core/interop'
import { filesText, severalFilesProblem, suggestedFormat } from '../core/manifests'
import { Field } from '../components/Field'
import { Modal } from '../workflow/Modal'
import { Refusal } from './Refusal'
import { Select, TeamField } from '../components/Select'

interface Props {
  teams: readonly Team[]
  onClose: () => void
  onOpen: (modelId: number) => void
}

export function ImportDialog({ teams, onClose, onOpen }: Props) {
  const [formats, setFormats] = useState<Formats | null>(null)
  const [files, setFiles] = useState<File[]>([])
  // null until the user names a format; until then the guess from the file names (derived, so a
  // pick made before the format list arrives is still guessed once it does)
  const [chosen, setChosen] = useState<string | null>(null)
  const [team, setTeam] = useState<number | null>(teams[0]?.id ?? null)
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [progress, setProgress] = useState('')
  const [refusal, setRefusal] = useState<{ message: string; problems: string[] } | null>(null)
  const [result, setResult] = useState<ImportResult | null>(null)

  useEffect(() => {
    interopApi.formats().then(setFormats, () => setFormats({ export: [], import: [], diagram_render: [], report_paper_sizes: [] }))
  }, [])

  const pick = (picked: File[]) => {
    setFiles(picked)
    setRefusal(null)
    setChosen(null)
  }
  const guessed = formats ? suggestedFormat(files.map((f) => f.name), (n) => formatForFile(n, formats.import, formats.export)) : ''
  const format = chosen ?? guessed

  const submit = async () => {
    if (files.length === 0 || team === null || tooMany) return
    setBusy(true)
    setRefusal(null)
    try {
      setResult(await interopApi.importFiles({ files, team, format, name: name.trim(), onProgress: setProgress }))
    } catch (error) {
      setRefusal(refusalOf(error, 'The files could not be sent.'))
    } finally {
      setBusy(false)
      setProgress('')
    }
  }

  const tooMany = severalFilesProblem(files.length, format, formats?.import ?? [])
  const labelOf = (formatName: string) => formats?.import.find((f) => f.name === formatName)?.label ?? formatName
  return (
    <Modal title="Import a threat model" onClose={onClose} wide>
      {result ? (
        <div className="import-result" role="status">
          <p>
            <strong>“{result.threat_model.name}”</strong> was imported as {labelOf(result.format)}.
          </p>
          <ul>
            {summaryLines(result.summary).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {result.warnings.length > 0 && (
            <details className="import-warnings" open={result.warnings.length <= 8}>
              <summary>
                {result.warnings.length} warning{result.warnings.length === 1 ? '' : 's'}: what was adapted
              </summary>
              <ul>
                {result.warnings.map((warning, i) => (
                  <li key={i}>{warning}</li>
                ))}
              </ul>
            </details>
          )}
          <p className="muted small-text">The analysis has not run yet: the model’s next diagram change (or Break) runs it.</p>
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
            <button type="button" className="primary" onClick={() => onOpen(result.threat_model.id)}>
              Open the model
            </button>
          </div>
        </div>
      ) : (
        <>
          <Field
            label="Files"
            hint={formats ? `Accepted: ${formats.import.map((f) => f.label).join('; ')}. Several manifest or compose files make one model.` : undefined}
          >
            <input type="file" multiple accept={formats ? acceptAttribute(formats.import) : undefined} onChange={(event) => pick([...(event.target.files ?? [])])} />
          </Field>
          {files.length > 0 && (
            <p className="muted small-text import-files">
              {filesText(files, sizeText)}
              {guessed ? ` — looks like ${labelOf(guessed)}` : files.length === 1 ? ' — the server will recognise the format from its content' : ''}
            </p>
          )}
          {tooMany && <p className="form-error">{tooMany}</p>}
          <Field label="Format">
            <Select value={format} empty="Detect from the content" options={(formats?.import ?? []).map((f) => ({ value: f.name, label: f.label }))} onChange={setChosen} />
          </Field>
          <TeamField teams={teams} team={team} onChange={setTeam} />
          <Field label="Name (optional)" hint="Leave empty to keep the name in the file.">
            <input type="text" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
          </Field>
          <Refusal refusal={refusal} />
          {busy && progress && (
            <p className="import-progress" role="status">
              {progress}
            </p>
          )}
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={files.length === 0 || team === null || tooMany !== null || busy} onClick={() => void submit()}>
              {busy ? 'Importing…' : 'Import'}
            </button>
          </div>
        </>
      )}
    </Modal>
  )
}
