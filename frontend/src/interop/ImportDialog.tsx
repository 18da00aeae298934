/**
 * Import a model from a file: ours, Open Threat Model (JSON or YAML), Threat Dragon, or Microsoft
 * TMT. The format is read from the file name when only one format fits it, and is otherwise left
 * to the server, which detects it from the content; the user may name it. An import is all or
 * nothing: a refusal lists every problem with its place in the file, and a success lists what was
 * created and everything the server adapted on the way (its warnings).
 */
import { useEffect, useState } from 'react'
import { ApiError } from '../api/client'
import type { Team } from '../api/endpoints'
import { interopApi, type Formats, type ImportResult } from '../api/interop'
import { acceptAttribute, formatForFile, problemLines, sizeText, summaryLines } from '../core/interop'
import { Field } from '../components/Field'
import { Modal } from '../workflow/Modal'

interface Props {
  teams: readonly Team[]
  onClose: () => void
  onOpen: (modelId: number) => void
}

export function ImportDialog({ teams, onClose, onOpen }: Props) {
  const [formats, setFormats] = useState<Formats | null>(null)
  const [file, setFile] = useState<File | null>(null)
  const [format, setFormat] = useState('')
  const [guessed, setGuessed] = useState('')
  const [team, setTeam] = useState<number | null>(teams[0]?.id ?? null)
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<{ message: string; problems: string[] } | null>(null)
  const [result, setResult] = useState<ImportResult | null>(null)

  useEffect(() => {
    interopApi.formats().then(setFormats, () => setFormats({ export: [], import: [], diagram_render: [], report_paper_sizes: [] }))
  }, [])

  const pick = (picked: File | null) => {
    setFile(picked)
    setRefusal(null)
    const suggestion = picked && formats ? formatForFile(picked.name, formats.import, formats.export) : ''
    setGuessed(suggestion)
    setFormat(suggestion)
  }

  const submit = async () => {
    if (!file || team === null) return
    setBusy(true)
    setRefusal(null)
    try {
      setResult(await interopApi.importFile({ file, team, format, name: name.trim() }))
    } catch (error) {
      setRefusal(error instanceof ApiError ? problemLines(error) : { message: 'The file could not be sent.', problems: [] })
    } finally {
      setBusy(false)
    }
  }

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
          <Field label="File" hint={formats ? `Accepted: ${formats.import.map((f) => f.label).join('; ')}.` : undefined}>
            <input type="file" accept={formats ? acceptAttribute(formats.import) : undefined} onChange={(event) => pick(event.target.files?.[0] ?? null)} />
          </Field>
          {file && (
            <p className="muted small-text">
              {file.name}, {sizeText(file.size)}
              {guessed ? ` — looks like ${labelOf(guessed)}` : ' — the server will recognise the format from its content'}
            </p>
          )}
          <Field label="Format">
            <select value={format} onChange={(event) => setFormat(event.target.value)}>
              <option value="">Detect from the content</option>
              {formats?.import.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.label}
                </option>
              ))}
            </select>
          </Field>
          {teams.length > 1 && (
            <Field label="Team">
              <select value={team ?? ''} onChange={(event) => setTeam(Number(event.target.value))}>
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </Field>
          )}
          <Field label="Name (optional)" hint="Leave empty to keep the name in the file.">
            <input type="text" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
          </Field>
          {refusal && (
            <div className="import-refusal" role="alert">
              <p className="form-error">{refusal.message}</p>
              {refusal.problems.length > 0 && (
                <ul>
                  {refusal.problems.map((problem, i) => (
                    <li key={i}>
                      <code>{problem}</code>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={!file || team === null || busy} onClick={() => void submit()}>
              {busy ? 'Importing…' : 'Import'}
            </button>
          </div>
        </>
      )}
    </Modal>
  )
}
