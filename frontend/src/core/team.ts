/**
 * The team's members and their roles, for the Workshop's Team tab. The server decides (owners
 * manage the team; the last owner cannot leave or step down); these helpers order the list and
 * say before a request why a change would be refused.
 */

export const ROLES = ['owner', 'editor', 'reviewer', 'viewer'] as const
export type Role = (typeof ROLES)[number]

export const ROLE_HELP: Record<Role, string> = {
  owner: 'manages the team, approves exceptions, deletes models',
  editor: 'draws, rates, mitigates and decides',
  reviewer: 'verifies mitigations and signs models off',
  viewer: 'reads',
}

interface MemberLike {
  id: number
  username: string
  role?: string
}

export function sortMembers<T extends MemberLike>(members: readonly T[]): T[] {
  const rank = (role: string | undefined) => {
    const i = ROLES.indexOf((role ?? 'viewer') as Role)
    return i < 0 ? ROLES.length : i
  }
  return [...members].sort((a, b) => rank(a.role) - rank(b.role) || a.username.localeCompare(b.username))
}

/** Why the change would be refused (null: it would not): the team keeps at least one owner. */
export function changeProblem(members: readonly MemberLike[], id: number, role: Role | null): string | null {
  const target = members.find((m) => m.id === id)
  if (!target) return 'No such member.'
  if (target.role !== 'owner' || role === 'owner') return null
  const owners = members.filter((m) => m.role === 'owner').length
  return owners <= 1 ? 'The team needs at least one owner: make someone else owner first.' : null
}
