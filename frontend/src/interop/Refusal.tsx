/** A refused upload: the server's message, then each problem with the place it names (file, document, field). */
export function Refusal({ refusal }: { refusal: { message: string; problems: readonly string[] } | null }) {
  if (!refusal) return null
  return (
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
  )
}
