/** What every comments section needs from the workspace: who is looking, who can be mentioned, and the live room. */
import { createContext, useContext } from 'react'
import type { LiveRoom } from '../core/live'

export interface CommentsContextValue {
  modelId: number
  username: string
  role: string | null
  /** Usernames of the team, for @ suggestions. */
  members: readonly string[]
  room: LiveRoom | null
}

export const CommentsContext = createContext<CommentsContextValue | null>(null)

export function useCommentsContext(): CommentsContextValue | null {
  return useContext(CommentsContext)
}
