/**
 * Why the drawer's threat is there, in the words the CSV, the exports and the PDF print: the one-line
 * summary with the subject's names, what it is, the parts of the rule that matched (and the path
 * for graph rules), what to do, the suggested controls and ATT&CK mitigations, and the techniques
 * by name with a link to each. The server composes the words (`stride.explained`); this renders.
 */
import type { Assessment } from '../../api/workflow'

type Explained = Assessment['explained']
type NamedRef = Explained['techniques'][number]

export function ExplanationSection({ explained }: { explained: Explained }) {
  return (
    <section className="drawer-section explanation" aria-label="Why this threat">
      <p className="explain-summary">{explained.summary}</p>
      {explained.what && <p className="small-text">{explained.what}</p>}
      {explained.why.length > 0 && (
        <>
          <h3>Why it fired here</h3>
          <ul className="explain-why">
            {explained.why.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          {explained.path.length > 0 && !explained.path_in_why && <p className="small-text">Path: {explained.path.join(' → ')}</p>}
        </>
      )}
      {explained.fix && (
        <>
          <h3>What to do</h3>
          <p className="small-text">{explained.fix}</p>
        </>
      )}
      <NamedList title="Suggested controls" items={explained.controls} />
      <NamedList title="ATT&CK mitigations" items={explained.attack_mitigations} />
      <NamedList title="ATT&CK techniques" items={explained.techniques} />
      {explained.references.length > 0 && (
        <p className="small-text explain-inline">
          References:{' '}
          {explained.references.map((item, index) => (
            <span key={item.id}>
              {index > 0 && ', '}
              <a href={item.url} target="_blank" rel="noopener noreferrer">
                {item.id}
              </a>
            </span>
          ))}
        </p>
      )}
    </section>
  )
}

function NamedList({ title, items }: { title: string; items: readonly NamedRef[] }) {
  if (items.length === 0) return null
  return (
    <>
      <h3>{title}</h3>
      <ul className="explain-refs">
        {items.map((item) => (
          <li key={item.id}>
            {item.url ? (
              <a href={item.url} target="_blank" rel="noopener noreferrer">
                {item.id}
              </a>
            ) : (
              <span className="technique">{item.id}</span>
            )}
            {item.name && ` ${item.name}`}
          </li>
        ))}
      </ul>
    </>
  )
}
