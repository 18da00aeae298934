/** The team's members and roles: owners change roles, add members, invite by e-mail and remove; everyone else reads. */
import { useCallback, useEffect, useState } from 'react'
import { api, del, get, post } from '../api/client'
import type { Page } from '../api/endpoints'
import type { components } from '../api/schema'
import { Field, FormErrors } from '../components/Field'
import { NO_ERRORS, placeErrors, type PlacedErrors } from '../core/form-errors'
import { changeProblem, ROLE_HELP, ROLES, sortMembers, type Role } from '../core/team'
import { Select } from '../components/Select'
import { plainOptions } from '../core/options'

const ROLE_OPTIONS = plainOptions(ROLES)

type Membership = components['schemas']['Membership']

export function TeamPanel({ teamId, isOwner, me }: { teamId: number; isOwner: boolean; me: string }) {
  const [members, setMembers] = useState<Membership[] | null>(null)
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS)
  const [who, setWho] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [note, setNote] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const load = useCallback(async () => {
    try {
      setMembers((await get<Page<Membership>>(`/memberships/?team=${teamId}&page_size=200`)).results)
    } catch (error) {
      setErrors(placeErrors(error, []))
    }
  }, [teamId])
  useEffect(() => void load(), [load])

  const run = async (work: () => Promise<unknown>, done: string) => {
    setBusy(true)
    setErrors(NO_ERRORS)
    setNote(null)
    try {
      await work()
      setNote(done)
      await load()
    } catch (error) {
      setErrors(placeErrors(error, ['user', 'email', 'role']))
    } finally {
      setBusy(false)
    }
  }

  const change = (m: Membership, next: Role | null) => {
    const problem = members && changeProblem(members, m.id, next)
    if (problem) {
      setErrors({ fields: {}, general: [problem] })
      return
    }
    if (next === null && !window.confirm(`Remove ${m.username} from the team?`)) return
    void run(
      () => (next === null ? del(`/memberships/${m.id}/`) : api('PUT', `/memberships/${m.id}/`, { role: next })),
      next === null ? `${m.username} was removed.` : `${m.username} is now ${next}.`,
    )
  }

  const add = () => {
    const value = who.trim()
    if (!value) return
    const invite = value.includes('@')
    void run(
      () => (invite ? post('/invitations/', { team: teamId, email: value, role }) : post('/memberships/', { team: teamId, user: value, role })),
      invite ? `An invitation went to ${value}.` : `${value} joined as ${role}.`,
    ).then(() => setWho(''))
  }

  if (members === null) return errors.general.length ? <FormErrors messages={errors.general} /> : <p className="muted">Loading…</p>
  return (
    <div className="team-panel">
      <FormErrors messages={errors.general} />
      {note && (
        <p className="notice-inline" role="status">
          {note}
        </p>
      )}
      <table className="team-table">
        <thead>
          <tr>
            <th>Member</th>
            <th>Role</th>
            {isOwner && <th aria-label="Actions" />}
          </tr>
        </thead>
        <tbody>
          {sortMembers(members).map((m) => (
            <tr key={m.id}>
              <td>
                {m.username} {m.username === me && <span className="muted">(you)</span>}
                <div className="muted">{m.email}</div>
              </td>
              <td>
                {isOwner ? (
                  <Select aria-label={`Role of ${m.username}`} value={m.role ?? 'viewer'} disabled={busy} options={ROLE_OPTIONS} onChange={(value) => change(m, value as Role)} />
                ) : (
                  <span title={ROLE_HELP[(m.role ?? 'viewer') as Role]}>{m.role}</span>
                )}
              </td>
              {isOwner && (
                <td>
                  <button type="button" className="small" disabled={busy} onClick={() => change(m, null)}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {isOwner ? (
        <form
          className="inline-form team-add"
          aria-label="Add a member"
          onSubmit={(event) => {
            event.preventDefault()
            add()
          }}
        >
          <Field label="Username or e-mail" error={errors.fields['user'] ?? errors.fields['email']} hint="A username adds an existing account; an e-mail address sends an invitation.">
            <input value={who} onChange={(e) => setWho(e.target.value)} maxLength={254} />
          </Field>
          <Field label="Role" error={errors.fields['role']} hint={ROLE_HELP[role]}>
            <Select value={role} options={ROLE_OPTIONS} onChange={(value) => setRole(value as Role)} />
          </Field>
          <button type="submit" className="primary" disabled={busy || !who.trim()}>
            Add
          </button>
        </form>
      ) : (
        <p className="muted">Only the team's owners change members and roles.</p>
      )}
    </div>
  )
}
